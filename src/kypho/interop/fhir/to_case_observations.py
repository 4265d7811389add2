"""Observations -> the case: weight, height and age (the latest), pain, function, follow-up scores.

Imaging findings are Observations too; ``to_case_imaging`` keeps them for their study.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from kypho.errors import InvalidInput
from kypho.interop.fhir import codes as c
from kypho.interop.fhir.read_bundle import Entry, get_str, reference
from kypho.interop.fhir.report import ImportReport
from kypho.interop.fhir.to_case_imaging import finding_observation
from kypho.interop.fhir.to_case_values import (
    OBSERVATION_DONE,
    code_of,
    day_of,
    has_code,
    quantity,
    value_number,
)

_WEIGHT_UNITS = {"kg": 1.0, "[lb_av]": 2.2046226218}  # value ranges scale by these
_HEIGHT_UNITS = {"cm": 1.0, "m": 0.01, "[in_i]": 1 / 2.54}
_AGE_UNITS = {"a": 1.0}  # UCUM year
Vitals = dict[str, list[tuple[date | None, Any, str]]]  # field -> (day, value, entry label)


def observation(
    entry: Entry,
    case: dict[str, Any],
    report: ImportReport,
    visits: dict[str, dict[str, Any]],
    vitals: Vitals,
) -> None:
    status = get_str(entry.resource, "status", entry.path)
    if status not in OBSERVATION_DONE:
        report.ignore(entry.label, f"status {status}: not a final result")
        return
    found = code_of(entry)
    day = day_of(entry, report, "effectiveDateTime", "effectivePeriod")
    visit = visits.get(reference(entry.resource, "encounter", entry.path) or "")
    if has_code(found, c.LOINC, c.BODY_WEIGHT, c.BODY_HEIGHT):
        _vital(entry, report, vitals, day, weight=has_code(found, c.LOINC, c.BODY_WEIGHT))
    elif has_code(found, c.LOINC, c.AGE):
        _age(entry, report, vitals, day, born="birth_date" in case["patient"])
    elif has_code(found, c.LOINC, c.PAIN_NRS) or has_code(found, c.KYPHO, c.PAIN_VAS):
        _pain(entry, case, report, visit, day, nrs=has_code(found, c.LOINC, c.PAIN_NRS))
    elif has_code(found, c.KYPHO, c.ODI, c.RDQ):
        _function(entry, case, report, visit, day, odi=has_code(found, c.KYPHO, c.ODI))
    elif not finding_observation(entry, found, report, case):
        report.ignore(entry.label, "no code kypho maps (docs/fhir.md lists them)")


def _pain(
    entry: Entry,
    case: dict[str, Any],
    report: ImportReport,
    visit: dict[str, Any] | None,
    day: date | None,
    *,
    nrs: bool,
) -> None:
    score = value_number(entry, 0, 10)
    if score is None:
        report.ignore(entry.label, "pain score without a value")
    elif visit is not None and nrs:
        visit["nrs"] = score
        report.use(entry.label, f"follow_up {visit['date']} nrs")
    else:
        record: dict[str, Any] = {"score": score, "scale": "NRS" if nrs else "VAS"}
        if day is not None:
            record["date"] = day.isoformat()
        case.setdefault("pain", []).append(record)
        report.use(entry.label, f"pain ({record['scale']})" + ("" if day else "; undated"))


def _vital(
    entry: Entry,
    report: ImportReport,
    vitals: Vitals,
    day: date | None,
    *,
    weight: bool,
) -> None:
    units = _WEIGHT_UNITS if weight else _HEIGHT_UNITS
    read = quantity(entry, units, *((0, 400) if weight else (30, 250)))
    if isinstance(read, str):
        report.ignore(entry.label, read)
        return
    value, unit = read
    field = "weight" if weight else "height_cm"
    if weight:
        shown: Any = {"value": value, "unit": "kg" if unit == "kg" else "lb"}
    else:
        shown = value if unit == "cm" else round(value / units[unit], 6)
    vitals.setdefault(field, []).append((day, shown, entry.label))


def _age(
    entry: Entry, report: ImportReport, vitals: Vitals, day: date | None, *, born: bool
) -> None:
    """An observed age in years (UCUM ``a``), read as whole years completed.

    Not read when the Patient (read before any Observation) gives a birth date: kypho
    computes the age on the assessment date from it, and a recorded age goes stale.
    """
    read = quantity(entry, _AGE_UNITS, 0, 130)  # a malformed age is bad input either way
    if isinstance(read, str):
        report.ignore(entry.label, read)
        return
    if born:
        report.ignore(entry.label, "an age, where the Patient's birth date gives it")
        return
    years = math.floor(read[0])
    if years != read[0]:
        report.notes.append(f"{entry.label}: age {read[0]:g} a read as {years} whole years")
    vitals.setdefault("age_years", []).append((day, years, entry.label))


def latest_vitals(
    vitals: Vitals,
    patient: dict[str, Any],
    report: ImportReport,
) -> None:
    """The latest dated value of each; undated ones only when alone and all equal."""
    for field, found in vitals.items():
        dated = [v for v in found if v[0] is not None]
        if dated:
            kept = max(dated, key=lambda v: v[0] or date.min)
        elif all(v[1] == found[0][1] for v in found):
            kept = found[0]
        else:
            for _, _, label in found:
                report.ignore(label, f"undated {field} values that disagree: left unknown")
            continue
        patient[field] = kept[1]
        report.use(kept[2], f"patient.{field}")
        if field == "age_years" and kept[0] is not None:
            report.notes.append(
                f"{kept[2]}: patient.age_years is the age on {kept[0].isoformat()}; the Bundle"
                " gives no birth date to age it by"
            )
        for item in found:
            if item is not kept:
                report.ignore(item[2], f"an older or undated {field} than another in the Bundle")


def _function(
    entry: Entry,
    case: dict[str, Any],
    report: ImportReport,
    visit: dict[str, Any] | None,
    day: date | None,
    *,
    odi: bool,
) -> None:
    score = value_number(entry, 0, 100 if odi else 24)
    if score is None:
        report.ignore(entry.label, "score without a value")
        return
    if not odi and score != int(score):
        raise InvalidInput(f"{entry.path}: expected a whole RDQ score 0-24, got {score:g}")
    if visit is not None:
        visit["odi_pct" if odi else "rdq"] = score if odi else int(score)
        report.use(entry.label, f"follow_up {visit['date']} {'odi_pct' if odi else 'rdq'}")
        return
    record: dict[str, Any] = {"instrument": "ODI" if odi else "RDQ", "score": score}
    if day is not None:
        record["date"] = day.isoformat()
    case.setdefault("function", []).append(record)
    report.use(entry.label, f"function ({record['instrument']})")
