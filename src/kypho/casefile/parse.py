"""Read a case file: text or path in, a validated domain ``Case`` out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kypho.casefile.convert import case_from_model
from kypho.casefile.messages import from_domain_error, from_validation_error
from kypho.casefile.schema import CaseModel
from kypho.domain import Case
from kypho.errors import InvalidCaseFile, InvalidInput


class _NotStrictJson(ValueError):
    """JSON that Python's parser tolerates but the format does not."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) < len(pairs):
        keys = [key for key, _ in pairs]
        repeated = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise _NotStrictJson(f"expected each key once per object, got {json.dumps(repeated)} twice")
    return data


def _no_constants(name: str) -> Any:
    raise _NotStrictJson(f"expected a finite number, got {name}")


def _decode(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as err:
        raise InvalidCaseFile(
            f"{source}: not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            source=source,
        ) from None
    except RecursionError:
        raise InvalidCaseFile(
            f"{source}: not valid JSON: nested too deeply", source=source
        ) from None
    except _NotStrictJson as err:
        raise InvalidCaseFile(f"{source}: not valid JSON: {err}", source=source) from None
    if not isinstance(data, dict):
        raise InvalidCaseFile(
            f"{source}: expected a JSON object {{...}} at the top level, "
            f"got {type(data).__name__.replace('dict', 'object')}",
            source=source,
        )
    return data


def parse_case(text: str, *, source: str = "<string>") -> Case:
    """The ``Case`` a JSON case file describes.

    Raises
    ------
    InvalidCaseFile
        One message naming ``source``, the field path, what was expected and what
        was found, and how many further problems there are.
    """
    _decode(text, source)
    try:
        model = CaseModel.model_validate_json(text)
    except ValidationError as err:
        raise from_validation_error(err, source=source) from None
    try:
        return case_from_model(model)
    except InvalidInput as err:
        raise from_domain_error(err, source=source) from err


def load_case(path: Path) -> Case:
    """Read and validate the case file at ``path`` (UTF-8, a byte-order mark allowed)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise InvalidCaseFile(
            f"{source}: cannot read the case file: {reason}", source=source
        ) from None
    except UnicodeDecodeError as err:
        raise InvalidCaseFile(
            f"{source}: expected UTF-8 text, got byte 0x{err.object[err.start]:02x} "
            f"at offset {err.start}",
            source=source,
        ) from None
    return parse_case(text, source=source)
