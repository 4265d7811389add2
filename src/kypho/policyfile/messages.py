"""One line per fault in a policy file: the file, the path inside it, expected, found.

``criterion[3].test.op (criterion "infection"): expected one of ..., got "=~"``
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kypho.errors import InvalidInput
from kypho.policyfile.checks import show
from kypho.policyfile.model import (
    ID_PATTERN,
    AllOfTest,
    AnyOfTest,
    AtLeastTest,
    CompareTest,
    PolicyFile,
)

_TAGS: dict[str | int, type[BaseModel]] = {  # the test union's tags
    "compare": CompareTest,
    "all_of": AllOfTest,
    "any_of": AnyOfTest,
    "at_least": AtLeastTest,
}
_EXPECTED_BY_TYPE = {
    "string_type": "text in quotes",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "list_type": "a list [...]",
    "model_type": "a table {...}",
    "model_attributes_type": "a table {...}",
    "dict_type": "a table {...}",
}
_EXPECTED_BY_PATTERN = {
    ID_PATTERN: "an id of lower-case letters, digits and dashes (like pain-at-least-8)",
    r"\S": "non-blank text",
}


class InvalidPolicyFile(InvalidInput):
    """A policy file cannot be read or breaks the policy-file schema.

    ``source`` is the file (or the name given to a text); ``path`` the place inside it
    (``criterion[3].test.op``), empty when the fault is the file as a whole.
    """

    def __init__(self, message: str, *, source: str, path: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.path = path


def _untagged(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """A pydantic location without the test union's tags.

    >>> _untagged(("criterion", 3, "test", "all_of", "all_of", 0))
    ('criterion', 3, 'test', 'all_of', 0)
    """
    keep = [p for i, p in enumerate(loc) if not (i and loc[i - 1] == "test" and p in _TAGS)]
    return tuple(keep)


def field_path(loc: Sequence[str | int]) -> str:
    """TOML path of a location.

    >>> field_path(("criterion", 3, "test", "op"))
    'criterion[3].test.op'
    """
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The table model at a pydantic location (tags included), for naming its keys."""
    model: type[BaseModel] | None = PolicyFile
    for i, part in enumerate(loc):
        if i and loc[i - 1] == "test" and part in _TAGS:
            model = _TAGS[part]
        elif isinstance(part, str) and model is not None:
            field = model.model_fields.get(part)
            model = None if field is None else _first_model(field.annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _unknown_key(loc: tuple[str | int, ...]) -> str:
    name = str(loc[-1])
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(name, allowed, n=1)
    guess = f' (did you mean "{close[0]}"?)' if close else ""
    return f"expected one of the keys {', '.join(allowed)}{guess}, got unknown key {show(name)}"


def _found(value: Any) -> str:
    if isinstance(value, date | datetime | time):
        return f"the TOML date/time {value.isoformat()} (write it in quotes)"
    return show(value)


def _whole(error: ErrorDetails) -> str | None:
    """The full text of the faults whose "found" is not the input itself."""
    kind, ctx, value = error["type"], error.get("ctx", {}), error["input"]
    if kind == "policy_fault":
        return f"expected {ctx['expected']}, got {ctx['found']}"
    if kind == "missing" and tuple(error["loc"]) == ("criterion",):
        return "expected at least one [[criterion]] table, got none"
    if kind == "missing":
        return "expected this required key, got nothing (the key is missing)"
    if kind == "too_short":
        return f"expected at least {ctx['min_length']} entry, got none"
    if kind == "too_long":
        return f"expected at most {ctx['max_length']} entries, got {ctx['actual_length']}"
    if kind == "test_shape" and isinstance(value, dict):
        return f"expected {ctx['expected']}, got the keys {', '.join(map(str, value)) or 'none'}"
    return None


def _expected(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "literal_error":
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return _EXPECTED_BY_PATTERN.get(ctx["pattern"], f"text matching {ctx['pattern']}")
    if kind == "test_shape":
        return str(ctx["expected"])
    if kind == "greater_than_equal":
        return f"a number >= {ctx['ge']}"
    if kind == "string_too_long":
        return f"at most {ctx['max_length']} characters"
    return _EXPECTED_BY_TYPE.get(kind, error["msg"])


def _text(error: ErrorDetails) -> str:
    whole = _whole(error)
    return whole or f"expected {_expected(error)}, got {_found(error['input'])}"


def _criterion_id(raw: dict[str, Any], loc: tuple[str | int, ...]) -> str:
    """' (criterion "infection")' when ``loc`` lies inside a criterion with an id."""
    if len(loc) < 2 or loc[0] != "criterion" or not isinstance(loc[1], int):
        return ""
    listed = raw.get("criterion")
    try:
        cid = listed[loc[1]].get("id")  # type: ignore[index]
    except (TypeError, IndexError, AttributeError):
        return ""
    return f" (criterion {show(cid)})" if isinstance(cid, str) and cid else ""


def from_validation_error(
    err: ValidationError, *, source: str, raw: dict[str, Any]
) -> InvalidPolicyFile:
    """One ``InvalidPolicyFile`` for the first fault, counting the rest."""
    errors = err.errors()
    first = errors[0]
    at = tuple(first.get("ctx", {}).get("at", ()))
    loc = _untagged(tuple(first["loc"])) + at
    path = field_path(loc)
    tagged = tuple(first["loc"])
    text = _unknown_key(tagged) if first["type"] == "extra_forbidden" else _text(first)
    more = len(errors) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
    where = f"{path}{_criterion_id(raw, loc)}: " if path else ""
    return InvalidPolicyFile(f"{source}: {where}{text}{tail}", source=source, path=path)
