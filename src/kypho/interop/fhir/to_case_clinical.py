"""Conditions, allergies, medicines and procedures -> case facts (into a case-file dict).

A fact the Bundle does not state stays out of the dict (unknown). A refuted Condition or
AllergyIntolerance is a fact assessed absent (``false``); one not confirmed, not active or
entered in error is ignored, and the report says why.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kypho.interop.fhir import codes as c
from kypho.interop.fhir.read_bundle import Entry, get_list, get_obj, get_str, reference
from kypho.interop.fhir.report import ImportReport
from kypho.interop.fhir.to_case_values import (
    code_of,
    day_of,
    has_code,
    levels_of,
    period_end,
    prefixed,
)

CHRONIC_STEROID_DAYS = 90  # >= 3 months of oral glucocorticoids (FRAX; clinical-reference.md 7)

_CONDITION_FLAGS = (  # (case field, ICD-10-CM prefixes, SNOMED codes)
    ("contraindications.osteomyelitis", c.ICD_OSTEOMYELITIS, c.SCT_OSTEOMYELITIS),
    ("contraindications.discitis", c.ICD_DISCITIS, c.SCT_DISCITIS),
    ("contraindications.uncorrected_coagulopathy", c.ICD_COAGULOPATHY, ()),
    ("patient.pregnant", c.ICD_PREGNANT, (c.SCT_PREGNANT,)),
)


def _status(entry: Entry, key: str) -> str | None:
    """The code of a status CodeableConcept (its system is optional: the binding is required)."""
    concept = get_obj(entry.resource, key, entry.path)
    if concept is None:
        return None
    for i, coding in enumerate(get_list(concept, "coding", f"{entry.path}.{key}")):
        code = get_str(coding, "code", f"{entry.path}.{key}.coding[{i}]")
        if code:
            return code
    return None


def presence(entry: Entry, report: ImportReport) -> bool | None:
    """True (active, confirmed or unstated), False (refuted), None (ignored, reported)."""
    verification = _status(entry, "verificationStatus")
    if verification == "refuted":
        return False
    if verification in ("entered-in-error", "unconfirmed", "provisional", "differential"):
        report.ignore(entry.label, f"verificationStatus {verification}: not a confirmed fact")
        return None
    clinical = _status(entry, "clinicalStatus")
    if clinical not in ("active", "recurrence", "relapse"):
        why = "no clinicalStatus" if clinical is None else f"clinicalStatus {clinical}"
        report.ignore(entry.label, f"{why}: not a current condition")
        return None
    return True


def set_flag(case: dict[str, Any], dotted: str, value: object) -> None:
    head, _, tail = dotted.partition(".")
    case.setdefault(head, {})[tail] = value


def condition(entry: Entry, case: dict[str, Any], report: ImportReport) -> None:
    found = code_of(entry)
    fracture_etiology = _fracture_etiology(entry, found)
    if fracture_etiology is not None:
        _fracture(entry, case, report, fracture_etiology)
        return
    for field, icd, sct in _CONDITION_FLAGS:
        if prefixed(found, c.ICD10CM, icd) or has_code(found, c.SNOMED, *sct):
            present = presence(entry, report)
            if present is not None:
                set_flag(case, field, present)
                report.use(entry.label, f"{field} = {str(present).lower()}")
            return
    report.ignore(entry.label, unmapped_reason(found))


def unmapped_reason(found: list[tuple[str, str]]) -> str:
    """Why a coded resource gives nothing: no code kypho maps, or a malformed SNOMED code."""
    bad = sorted({code for system, code in found if system == c.SNOMED and not c.is_sctid(code)})
    if bad:
        return (f"no code kypho maps; SNOMED {', '.join(bad)} is not a SNOMED CT identifier "
                "(its check digit fails: docs/fhir.md)")  # fmt: skip
    return "no code kypho maps (docs/fhir.md lists them)"


def _fracture_etiology(entry: Entry, found: list[tuple[str, str]]) -> str | None:
    """'' for a vertebral fracture of unstated cause, its etiology if stated, else None."""
    if has_code(found, c.KYPHO, c.FRACTURE):
        for i, ext in enumerate(get_list(entry.resource, "extension", entry.path)):
            if get_str(ext, "url", f"{entry.path}.extension[{i}]") == c.KYPHO_ETIOLOGY:
                return get_str(ext, "valueCode", f"{entry.path}.extension[{i}]") or ""
        return ""
    if prefixed(found, c.ICD10CM, c.ICD_OSTEOPOROTIC_FRACTURE) or has_code(
        found, c.SNOMED, *c.SCT_OSTEOPOROTIC_VERTEBRAL_FRACTURE
    ):
        return "osteoporotic"
    if prefixed(found, c.ICD10CM, c.ICD_OTHER_VERTEBRAL_FRACTURE):
        return ""
    return None


def _fracture(entry: Entry, case: dict[str, Any], report: ImportReport, etiology: str) -> None:
    levels = levels_of(entry)
    if not levels:
        report.ignore(entry.label, "vertebral fracture without a bodySite vertebra code")
        return
    if presence(entry, report) is not True:
        return
    onset = day_of(entry, report, "onsetDateTime", "onsetPeriod")
    fractures = case.setdefault("fractures", [])
    gave = []
    for level in levels:
        if any(f["level"] == level for f in fractures):
            report.notes.append(f"{entry.label}: a second fracture at {level}; the first kept")
            continue
        record: dict[str, Any] = {"level": str(level)}
        if etiology:
            record["etiology"] = etiology
        if onset is not None:
            record["symptom_onset_date"] = onset.isoformat()
        fractures.append(record)
        gave.append(str(level))
    if gave:
        detail = f"fractures {', '.join(gave)}" + (f" ({etiology})" if etiology else "")
        report.use(entry.label, detail + ("" if onset else "; onset not stated"))


def allergy(entry: Entry, case: dict[str, Any], report: ImportReport) -> None:
    found = code_of(entry)
    if has_code(found, c.SNOMED, c.SCT_CONTRAST_ALLERGY):
        field = "contraindications.contrast_allergy"
    elif has_code(found, c.KYPHO, c.CEMENT_ALLERGY):
        field = "contraindications.cement_allergy"
    else:
        report.ignore(entry.label, "not an allergy to contrast or bone cement (PMMA) kypho knows")
        return
    verification = _status(entry, "verificationStatus")
    if verification == "refuted":
        present: bool | None = False
    elif verification == "entered-in-error" or _status(entry, "clinicalStatus") == "resolved":
        report.ignore(entry.label, "entered in error or resolved")
        return
    else:
        present = True
    set_flag(case, field, present)
    report.use(entry.label, f"{field} = {str(present).lower()}")


def _drug_codes(entry: Entry, by_ref: dict[str, Entry]) -> list[tuple[str, str]]:
    found = code_of(entry, "medicationCodeableConcept")
    ref = reference(entry.resource, "medicationReference", entry.path)
    if ref and ref in by_ref:
        found += code_of(by_ref[ref])
    return found


def medication(
    entry: Entry, case: dict[str, Any], report: ImportReport, by_ref: dict[str, Entry]
) -> None:
    status = get_str(entry.resource, "status", entry.path)
    found = _drug_codes(entry, by_ref)
    if has_code(found, c.KYPHO, c.ANTICOAGULANT) and status in ("active", "not-taken"):
        set_flag(case, "patient.on_anticoagulants", status == "active")
        report.use(entry.label, f"patient.on_anticoagulants = {str(status == 'active').lower()}")
        return
    if status not in ("active", "completed", "stopped"):
        report.ignore(entry.label, f"status {status}: not taken")
        return
    start = day_of(entry, report, "effectivePeriod", "effectiveDateTime", "authoredOn")
    end = period_end(entry, "effectivePeriod")
    if prefixed(found, c.ATC, c.ATC_ANTICOAGULANT):
        if status != "active":
            report.ignore(entry.label, f"an anticoagulant no longer taken (status {status})")
            return
        set_flag(case, "patient.on_anticoagulants", True)
        report.use(entry.label, "patient.on_anticoagulants = true")
    elif prefixed(found, c.ATC, c.ATC_GLUCOCORTICOID):
        _steroid(entry, case, report, start, end)
    elif prefixed(found, c.ATC, c.ATC_ANALGESIC):
        add_care(entry, case, report, "analgesics", start, end)
    elif prefixed(found, c.ATC, c.ATC_ANTI_OSTEOPOROSIS):
        add_care(entry, case, report, "anti_osteoporosis", start, end)
    else:
        report.ignore(entry.label, "no ATC code of a class kypho maps (RxNorm is not mapped)")


def _steroid(
    entry: Entry, case: dict[str, Any], report: ImportReport, start: date | None, end: date | None
) -> None:
    if start is None or end is None or (end - start).days < CHRONIC_STEROID_DAYS:
        report.ignore(entry.label, "glucocorticoid without a period of >= 3 months: "
                      "chronic use left unknown")  # fmt: skip
        return
    case.setdefault("patient", {}).setdefault("risk_factors", {})["chronic_steroid_use"] = True
    report.use(entry.label, "patient.risk_factors.chronic_steroid_use = true")


def add_care(
    entry: Entry,
    case: dict[str, Any],
    report: ImportReport,
    modality: str,
    start: date | None,
    end: date | None,
) -> None:
    record: dict[str, Any] = {"modality": modality}
    if start is not None:
        record["start_date"] = start.isoformat()
    if end is not None and (start is None or end >= start):
        record["end_date"] = end.isoformat()
    case.setdefault("conservative_care", []).append(record)
    report.use(entry.label, f"conservative_care {modality}")


def procedure(entry: Entry, case: dict[str, Any], report: ImportReport) -> None:
    """Procedure or ServiceRequest: bracing, physical therapy, BMD referral, kyphoplasty."""
    found = code_of(entry)
    status = get_str(entry.resource, "status", entry.path)
    done = ("completed", "in-progress", "active")
    if has_code(found, c.KYPHO, c.BRACING, c.PHYSICAL_THERAPY):
        if status not in done:
            report.ignore(entry.label, f"status {status}: not carried out")
            return
        modality = "bracing" if has_code(found, c.KYPHO, c.BRACING) else "physical_therapy"
        start = day_of(entry, report, "performedPeriod", "performedDateTime",
                       "occurrencePeriod", "occurrenceDateTime", "authoredOn")  # fmt: skip
        end = period_end(entry, "performedPeriod") or period_end(entry, "occurrencePeriod")
        add_care(entry, case, report, modality, start, end)
    elif has_code(found, c.KYPHO, c.BMD_REFERRAL):
        if status not in done:
            report.ignore(entry.label, f"status {status}: referral not made")
            return
        set_flag(case, "continuum_of_care.bmd_referral_with_education", True)
        report.use(entry.label, "continuum_of_care.bmd_referral_with_education = true")
    elif _kyphoplasty(found) and entry.type == "ServiceRequest":
        intent = get_str(entry.resource, "intent", entry.path)
        if intent not in ("plan", "order", "original-order") or status not in done:
            report.ignore(entry.label, f"intent {intent}, status {status}: not a planned "
                          "procedure (kypho's own plan writes proposals)")  # fmt: skip
            return
        _planned_kyphoplasty(entry, case, report)
    else:
        report.ignore(entry.label, "no code kypho maps (docs/fhir.md lists them)")


def _kyphoplasty(found: list[tuple[str, str]]) -> bool:
    return has_code(found, c.CPT, *c.KYPHOPLASTY_CPT) or has_code(
        found, c.KYPHO, c.KYPHOPLASTY_PLAN
    )


def _planned_kyphoplasty(entry: Entry, case: dict[str, Any], report: ImportReport) -> None:
    planned = case.setdefault("procedure", {})
    day = day_of(entry, report, "occurrenceDateTime", "occurrencePeriod")
    if day is not None:
        planned["date"] = day.isoformat()
    for level in levels_of(entry):
        levels = planned.setdefault("levels", [])
        if str(level) not in levels:
            levels.append(str(level))
    report.use(entry.label, "procedure (planned kyphoplasty: date and levels)")
