"""Strict JSON decoding of a case file, with refusals in plain words.

Python's parser tolerates things the JSON format forbids (repeated keys, ``NaN``,
lone surrogate escapes, numbers of any length); each is refused here with the
place it was found. The parser's own wording is never shown: a message says what
JSON expected at that line and column.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kypho.casefile.messages import field_path
from kypho.errors import InvalidCaseFile

# Project convention: no real value needs more digits; Python's int parser refuses
# more than 4300 anyway, with a message about its own settings.
MAX_NUMBER_DIGITS = 1000

# Python's parser messages (json.decoder) -> what the file should have had there.
_PLAIN = (
    ("Expecting value", "expected a value (a number, text in double quotes, true, false, "
     "null, {...} or [...])"),
    ("Expecting property name", "expected a field name in double quotes"),
    ("Expecting ',' delimiter", "expected a comma between two items"),
    ("Expecting ':' delimiter", "expected a colon after the field name"),
    ("Unterminated string", "expected a closing double quote for this text"),
    ("Invalid control character", "expected no line break or tab inside text in quotes "
     "(write \\n or \\t)"),
    ("Invalid \\uXXXX escape", "expected four hex digits after \\u"),
    ("Invalid \\escape", "expected a JSON escape after the backslash (\\\\, \\\", \\n, \\u...)"),
    ("Extra data", "expected the end of the file after the top-level object"),
)  # fmt: skip

# A lone surrogate reaches a decoded string only from a \uD800-\uDFFF escape or as a
# surrogate character in the text itself: without either, the walk below can be skipped
# (+38 % case files read per second, measured with bench/bench_assess_export.py).
_MAY_HOLD_SURROGATES = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


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


def _bounded_int(digits: str) -> int:
    count = len(digits.lstrip("-"))
    if count > MAX_NUMBER_DIGITS:
        raise _NotStrictJson(
            f"expected a number of at most {MAX_NUMBER_DIGITS} digits, got one of {count} digits"
        )
    return int(digits)


def plain_json_error(err: json.JSONDecodeError) -> str:
    """Where the text stops being JSON, and what JSON expected there.

    >>> try:
    ...     json.loads('{"a": 1,}')
    ... except json.JSONDecodeError as err:
    ...     plain_json_error(err)
    'not valid JSON at line 1, column 9: expected a field name in double quotes'
    """
    where = f"not valid JSON at line {err.lineno}, column {err.colno}"
    plain = next((text for start, text in _PLAIN if err.msg.startswith(start)), "")
    return f"{where}: {plain}" if plain else where


def _is_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _check_text(data: Any, source: str) -> None:
    """Refuse a lone surrogate escape (``"\\ud800"``): it is not a character."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        items: Any = ()
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        for key, item in items:
            stack.append(((*loc, key), item))
        bad_key = isinstance(value, dict) and any(_is_surrogate(k) for k in value)
        if bad_key or (isinstance(value, str) and _is_surrogate(value)):
            path = field_path(loc)
            what = "a field name" if bad_key else "text"
            raise InvalidCaseFile(
                f"{source}: {path + ': ' if path else ''}expected {what} of real characters, "
                "got a lone surrogate escape (\\ud800-\\udfff) that is not one",
                field=path,
                source=source,
            )


def decode(text: str, source: str) -> dict[str, Any]:
    """The top-level JSON object of a case file, or ``InvalidCaseFile`` naming ``source``."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as err:
        raise InvalidCaseFile(f"{source}: {plain_json_error(err)}", source=source) from None
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
    if _MAY_HOLD_SURROGATES.search(text):  # else no string in ``data`` can hold one
        _check_text(data, source)
    return data
