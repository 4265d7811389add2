"""Small readers shared by the resource mappers: status, body site, codes, quantities."""

from __future__ import annotations

from datetime import date
from typing import Any

from kypho.domain._checks import check_range
from kypho.domain.levels import Level
from kypho.errors import InvalidInput
from kypho.interop.fhir import codes as c
from kypho.interop.fhir.read_bundle import (
    Entry,
    codings,
    get_date,
    get_list,
    get_number,
    get_obj,
    get_str,
    json_kind,
)
from kypho.interop.fhir.report import ImportReport

OBSERVATION_DONE = ("final", "amended", "corrected")


def code_of(entry: Entry, key: str = "code") -> list[tuple[str, str]]:
    return codings(get_obj(entry.resource, key, entry.path), f"{entry.path}.{key}")


def has_code(found: list[tuple[str, str]], system: str, *wanted: str) -> bool:
    return any(s == system and code in wanted for s, code in found)


def prefixed(found: list[tuple[str, str]], system: str, prefixes: tuple[str, ...]) -> bool:
    return any(s == system and c.has_prefix(code, prefixes) for s, code in found)


def levels_of(entry: Entry) -> list[Level]:
    """The vertebral levels of ``bodySite`` (SNOMED codes of DICOM CID 7603)."""
    table = c.level_of_vertebra_code()
    site = entry.resource.get("bodySite")
    sites = site if isinstance(site, list) else [site] if isinstance(site, dict) else []
    out: list[Level] = []
    for i, concept in enumerate(sites):
        path = f"{entry.path}.bodySite" + (f"[{i}]" if isinstance(site, list) else "")
        if not isinstance(concept, dict):
            raise InvalidInput(f"{path}: expected a CodeableConcept, got {json_kind(concept)}")
        for system, code in codings(concept, path):
            if system == c.SNOMED and code in table and table[code] not in out:
                out.append(table[code])
    return out


def day_of(entry: Entry, report: ImportReport, *keys: str) -> date | None:
    """The first of ``keys`` that gives a day (``effectivePeriod`` reads its start)."""
    res = entry.resource
    for key in keys:
        holder, field, path = res, key, entry.path
        if key == "period" or key.endswith("Period"):
            period = get_obj(res, key, entry.path)
            if period is None:
                continue
            holder, field, path = period, "start", f"{entry.path}.{key}"
        found = get_date(holder, field, path)
        if found == "partial":
            report.notes.append(f"{entry.label}: {path}.{field} gives no day; date left unknown")
            return None
        if isinstance(found, date):
            return found
    return None


def period_end(entry: Entry, key: str) -> date | None:
    period = get_obj(entry.resource, key, entry.path)
    if period is None:
        return None
    found = get_date(period, "end", f"{entry.path}.{key}")
    return found if isinstance(found, date) else None


def quantity(
    entry: Entry, units: dict[str, float], lo: float, hi: float
) -> tuple[float, str] | str:
    """(value in the first unit of ``units``, unit) of ``valueQuantity``, range-checked
    at its Bundle path; or why it cannot be read (no quantity, a unit not known)."""
    q = get_obj(entry.resource, "valueQuantity", entry.path)
    if q is None:
        return "no valueQuantity"
    path = f"{entry.path}.valueQuantity"
    value = get_number(q, "value", path)
    if value is None:
        return "valueQuantity has no value"
    unit = get_str(q, "code", path) or get_str(q, "unit", path) or ""
    if unit not in units:
        return f"unit {unit!r} is not one of {', '.join(units)}"
    check_range(f"{path}.value", value, lo * units[unit], hi * units[unit], f" {unit}")
    return value, unit


def value_number(entry: Entry, lo: float, hi: float) -> float | None:
    """``valueQuantity.value`` or ``valueInteger``, range-checked at its Bundle path."""
    res, path = entry.resource, entry.path
    q = get_obj(res, "valueQuantity", path)
    if q is not None:
        value = get_number(q, "value", f"{path}.valueQuantity")
        check_range(f"{path}.valueQuantity.value", value, lo, hi)
        return value
    value = get_number(res, "valueInteger", path)
    check_range(f"{path}.valueInteger", value, lo, hi)
    return value


def concept_list(resource: dict[str, Any], key: str, path: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, concept in enumerate(get_list(resource, key, path)):
        out += codings(concept, f"{path}.{key}[{i}]")
    return out
