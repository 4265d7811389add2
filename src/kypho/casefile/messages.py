"""Turn validation failures into one ``InvalidCaseFile`` a clinician can act on.

A message names the file, the field path (``fractures[0].level``), what was
expected and what was found, and says how many more problems the file has.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kypho.casefile.schema import CaseModel
from kypho.domain._checks import shown
from kypho.errors import InvalidCaseFile, InvalidInput

_EXPECTED_BY_TYPE = {
    "string_type": "text (a JSON string)",
    "string_too_short": "non-empty text",
    "bool_type": "true or false",
    "float_type": "a number",
    "int_type": "a whole number",
    "list_type": "a list [...]",
    "model_type": "an object {...}",
    "model_attributes_type": "an object {...}",
    "dict_type": "an object {...}",
}
_HINTS = {"weight": ' such as {"value": 120, "unit": "lb"}'}
_MAX_FOUND_CHARS = 60
_EXACT_INT_LIMIT = 10**15  # longer whole numbers are described by their size
_JSON_AT = re.compile(r"at line (\d+) column (\d+)")


def field_path(loc: Sequence[str | int]) -> str:
    """JSON path of a location: ``("pain", 2, "score")`` -> ``pain[2].score``.

    >>> field_path(("fractures", 0, "level"))
    'fractures[0].level'
    """
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def show_value(value: Any) -> str:
    """A found value as JSON spells it, shortened when long; a huge number by its size.

    >>> show_value(30.0), show_value("T13"), show_value(10**399)
    ('30', '"T13"', 'a 400-digit number')
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_INT_LIMIT:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXACT_INT_LIMIT:
        return shown(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > _MAX_FOUND_CHARS:
        text = text[: _MAX_FOUND_CHARS - 3] + "..."
    return text


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class whose object sits at ``loc``."""
    model: type[BaseModel] | None = CaseModel
    for part in loc:
        if isinstance(part, str) and model is not None:
            field = model.model_fields.get(part)
            model = None if field is None else _model_in(field.annotation)
    return model


def _unknown_field(loc: tuple[str | int, ...]) -> str:
    name = str(loc[-1])
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    close = difflib.get_close_matches(name, allowed, n=1)
    guess = f' (did you mean "{close[0]}"?)' if close else ""
    return f"unknown field{guess}; expected one of: {', '.join(allowed)}"


def describe(error: ErrorDetails) -> tuple[str, str]:
    """(field path, message) for one pydantic error, our own checks included."""
    ctx = error.get("ctx", {})
    loc = tuple(error["loc"])
    if "at" in ctx:
        at = ctx["at"]
        loc += tuple(at) if isinstance(at, tuple) else (at,)
    kind = error["type"]
    if kind == "extra_forbidden":
        return field_path(loc), _unknown_field(loc)
    if kind == "missing":
        return field_path(loc), "required field is missing"
    if kind == "enum":
        text = f"expected one of {ctx['expected']}"
    elif kind == "literal_error":
        text = f"expected {ctx['expected']}"
    elif kind in _EXPECTED_BY_TYPE:
        text = "expected " + _EXPECTED_BY_TYPE[kind] + _HINTS.get(str(loc[-1]) if loc else "", "")
    else:
        text = error["msg"]
    return field_path(loc), f"{text}, got {show_value(ctx.get('found', error['input']))}"


def _more(count: int) -> str:
    if count == 0:
        return ""
    return f" ({count} more problem{'s' if count > 1 else ''} in this file)"


def _json_invalid(error: ErrorDetails, source: str) -> InvalidCaseFile:
    """The JSON reader's own refusal, in plain words: where, never its internal wording."""
    at = _JSON_AT.search(error["msg"])
    where = f" at line {at[1]}, column {at[2]}" if at else ""
    return InvalidCaseFile(f"{source}: not valid JSON{where}", source=source)


def from_validation_error(err: ValidationError, *, source: str) -> InvalidCaseFile:
    """One ``InvalidCaseFile`` for the first error, counting the rest."""
    errors = err.errors()
    if errors[0]["type"] == "json_invalid":
        return _json_invalid(errors[0], source)
    path, text = describe(errors[0])
    where = f"{path}: " if path else ""
    return InvalidCaseFile(
        f"{source}: {where}{text}{_more(len(errors) - 1)}", field=path, source=source
    )


def from_domain_error(err: InvalidInput, *, source: str) -> InvalidCaseFile:
    """A domain invariant's ``InvalidInput``, with the file name added."""
    text = str(err)
    field = text.split(": ", 1)[0] if ": " in text else ""
    return InvalidCaseFile(f"{source}: {text}", field=field, source=source)
