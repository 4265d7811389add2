"""Read a policy: text or file in, a checked, frozen ``kypho.rules.Policy`` out.

The file's text is parsed as TOML, checked against ``PolicyFile`` and then built by
``kypho.rules.policy.policy_from_dict`` (the core's builder). A user's policy may not
take a bundled policy's id: it would shadow it.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kypho.config import Settings
from kypho.errors import RuleCatalogueError
from kypho.policyfile.messages import InvalidPolicyFile, from_validation_error
from kypho.policyfile.model import PolicyFile
from kypho.policyfile.toml_words import plain_toml_error
from kypho.rules.policy import Policy, bundled_policy_text, policy_from_dict, policy_names

# The default limit is the settings' default; entry points pass the configured value.
DEFAULT_MAX_BYTES: int = Settings.model_fields["max_policy_file_bytes"].default
_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def _fail(source: str, text: str, path: str = "") -> InvalidPolicyFile:
    where = f"{path}: " if path else ""
    return InvalidPolicyFile(f"{source}: {where}{text}", source=source, path=path)


def _too_large(source: str, size: int, max_bytes: int) -> InvalidPolicyFile:
    return _fail(source, f"expected a policy of at most {max_bytes} bytes, got {size} bytes")


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    """The tables of a TOML text; a syntax error names its line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        where = _WHERE.search(message)
        at = ""
        if where:
            at = f"line {where[1]}, column {where[2]}: " if where[1] else "at the end: "
        found = plain_toml_error(_WHERE.sub("", message))
        raise _fail(source, f"{at}expected valid TOML, got: {found}") from None
    except RecursionError:
        raise _fail(source, "expected valid TOML, got arrays or tables nested too deeply") from None


def validate_policy(raw: dict[str, Any], *, source: str) -> Policy:
    """The ``Policy`` that parsed TOML describes, checked against ``PolicyFile``."""
    try:
        model = PolicyFile.model_validate(raw)
    except ValidationError as err:
        raise from_validation_error(err, source=source, raw=raw) from None
    try:
        return policy_from_dict(model.model_dump(exclude_none=True))
    except RuleCatalogueError as err:  # pragma: no cover - the model refuses these first
        raise _fail(source, str(err)) from None


def check_no_collision(
    policy: Policy, *, source: str, taken: Iterable[str] | None = None
) -> Policy:
    """``policy`` itself, unless its id is already taken (by default: a bundled policy's)."""
    used = tuple(policy_names() if taken is None else taken)
    if policy.id in used:
        raise _fail(
            source,
            f"expected an id no other policy has (taken: {', '.join(used)}), "
            f'got "{policy.id}" (rename it: a user policy may not shadow another)',
            path="id",
        )
    return policy


def load_policy_text(text: str, *, source: str, max_bytes: int | None = None) -> Policy:
    """A user's policy from its TOML text (an upload, a database row).

    ``source`` names it in messages. Refused: more than ``max_bytes`` of UTF-8, bad
    TOML, a schema fault, or an id a bundled policy has.
    """
    if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
        raise _too_large(source, len(text.encode("utf-8")), max_bytes)
    policy = validate_policy(parse_toml(text, source=source), source=source)
    return check_no_collision(policy, source=source)


def read_policy_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of a policy file: an existing, readable UTF-8 file of at most ``max_bytes``."""
    source = str(path)
    if path.is_dir():
        raise _fail(source, "expected a policy file (TOML), got a directory")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _fail(source, "expected an existing policy file, got no such file") from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise _fail(source, f"expected a readable policy file, got: {reason}") from None
    if len(data) > max_bytes:
        raise _too_large(source, path.stat().st_size, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _fail(
            source, f"expected UTF-8 text, got byte 0x{data[err.start]:02x} at offset {err.start}"
        ) from None


def load_policy_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Policy:
    """A user's policy file (a payer's own, say), checked; see ``load_policy_text``."""
    return load_policy_text(read_policy_file(path, max_bytes=max_bytes), source=str(path))


@functools.cache
def load_policy(name: str) -> Policy:
    """A bundled policy by id, checked against the schema (``NotFound`` for an unknown id).

    Cached per name: a pure function of the bundled file with an immutable result.
    """
    source = f"bundled policy {name}"
    policy = validate_policy(parse_toml(bundled_policy_text(name), source=source), source=source)
    if policy.id != name:  # pragma: no cover - tests/policyfile checks every bundled file
        raise _fail(source, f'expected id "{name}", got "{policy.id}"', path="id")
    return policy
