"""Read a FHIR R4 Bundle (plain JSON data): its entries, checked, each with its path.

Only the shape kypho relies on is checked here; every failure is ``InvalidInput`` naming
the path in the Bundle (``entry[3].resource.valueQuantity.value``), what was expected
and what was found. Values are read with the typed getters below, which do the same.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from kypho.casefile.decode import MAX_NUMBER_DIGITS, plain_json_error
from kypho.domain._checks import shown
from kypho.errors import InvalidInput

_DATE = re.compile(r"^(\d{4})(-(\d{2})(-(\d{2}))?)?")
MAX_BUNDLE_BYTES = 20_000_000  # project convention: far above a patient's chart


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry: its resource, its path (``entry[3].resource``), its full URL and its
    ``resourceType`` (read once: the mappers ask for it about eight times an entry)."""

    path: str
    resource: dict[str, Any]
    full_url: str | None
    type: str

    @property
    def label(self) -> str:
        """How the report names it: path and type, never an identifier."""
        return f"{self.path.removesuffix('.resource')} ({self.type})"

    @property
    def local_ref(self) -> str | None:
        rid = self.resource.get("id")
        return f"{self.type}/{rid}" if isinstance(rid, str) else None


def json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words (not Python's type names).

    >>> json_kind(None), json_kind([]), json_kind("x"), json_kind(True), json_kind(1.5)
    ('null', 'a list', 'text', 'true or false', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _fail(path: str, expected: str, found: object) -> InvalidInput:
    return InvalidInput(f"{path}: expected {expected}, got {found}")


class _NotJson(ValueError):
    """Text Python's parser takes but RFC 8259 does not (NaN), or a number too long."""


def _no_constant(name: str) -> Any:
    raise _NotJson(f"expected a finite number, got {name}")


def _bounded_int(digits: str) -> int:
    count = len(digits.lstrip("-"))
    if count > MAX_NUMBER_DIGITS:
        raise _NotJson(f"expected a number of at most {MAX_NUMBER_DIGITS} digits, got {count}")
    return int(digits)


def parse_bundle_text(text: str, *, source: str = "bundle") -> dict[str, Any]:
    """The JSON of a Bundle file (``InvalidInput`` naming ``source`` if not JSON)."""
    if len(text) > MAX_BUNDLE_BYTES:
        raise InvalidInput(f"{source}: expected at most {MAX_BUNDLE_BYTES} characters, got more")
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{source}: {plain_json_error(err)}") from None
    except RecursionError:
        raise InvalidInput(f"{source}: not valid JSON: nested too deeply") from None
    except _NotJson as err:
        raise InvalidInput(f"{source}: not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise _fail(source, "a JSON object (a FHIR Bundle)", json_kind(data))
    return data


def bundle_entries(bundle: object) -> tuple[Entry, ...]:
    """The entries of a Bundle that carry a resource, each checked for its shape."""
    if not isinstance(bundle, dict):
        raise _fail("Bundle", "a JSON object", json_kind(bundle))
    if bundle.get("resourceType") != "Bundle":
        raise _fail("resourceType", '"Bundle"', shown(bundle.get("resourceType")))
    raw = bundle.get("entry", [])
    if not isinstance(raw, list):
        raise _fail("entry", "a list of entries", json_kind(raw))
    out: list[Entry] = []
    for i, item in enumerate(raw):
        where = f"entry[{i}]"
        if not isinstance(item, dict):
            raise _fail(where, "an object", json_kind(item))
        resource = item.get("resource")
        if resource is None:
            continue  # a response or deletion entry: nothing to read
        if not isinstance(resource, dict):
            raise _fail(f"{where}.resource", "an object", json_kind(resource))
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or not kind:
            raise _fail(f"{where}.resource.resourceType", "a resource type", shown(kind))
        url = item.get("fullUrl")
        if url is not None and not isinstance(url, str):
            raise _fail(f"{where}.fullUrl", "a URL", shown(url))
        out.append(Entry(path=f"{where}.resource", resource=resource, full_url=url, type=kind))
    return tuple(out)


def get_str(obj: dict[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"{path}.{key}", "text", shown(value))
    return value


def get_obj(obj: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(f"{path}.{key}", "an object", json_kind(value))
    return value


def get_list(obj: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(f"{path}.{key}", "a list of objects", shown(value))
    return value


def get_number(obj: dict[str, Any], key: str, path: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise _fail(f"{path}.{key}", "a finite number", shown(value))
    return value  # as written (an int stays an int, so messages show it as given)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float (parse_bundle_text bounds its digits)
        return False


def get_bool(obj: dict[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, bool):
        raise _fail(f"{path}.{key}", "true or false", shown(value))
    return value


def get_date(obj: dict[str, Any], key: str, path: str) -> date | None | str:
    """The calendar date of a FHIR date/dateTime as written (its first ten characters).

    A year or year-month alone gives no day: the text ``"partial"`` is returned, so the
    caller can report that the date stays unknown.
    """
    text = get_str(obj, key, path)
    if text is None:
        return None
    match = _DATE.match(text)
    if not match:
        raise _fail(f"{path}.{key}", "a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD...)", repr(text))
    if match[5] is None:
        return "partial"
    try:
        return date(int(match[1]), int(match[3]), int(match[5]))
    except ValueError:
        raise _fail(f"{path}.{key}", "a calendar date", repr(text)) from None


def codings(concept: dict[str, Any] | None, path: str) -> list[tuple[str, str]]:
    """(system, code) of every coding of a CodeableConcept that has both."""
    if concept is None:
        return []
    out = []
    for i, coding in enumerate(get_list(concept, "coding", path)):
        where = f"{path}.coding[{i}]"
        system, code = get_str(coding, "system", where), get_str(coding, "code", where)
        if system and code:
            out.append((system, code))
    return out


def reference(obj: dict[str, Any], key: str, path: str) -> str | None:
    """The ``reference`` text of a Reference field, if any."""
    ref = get_obj(obj, key, path)
    return None if ref is None else get_str(ref, "reference", f"{path}.{key}")
