"""A FHIR R4 Bundle -> a kypho case and the import report (``bundle_to_case``).

The Bundle is one patient's resources (a chart export, a search result set, a CDS Hooks
prefetch). Each resource is read for the facts docs/fhir.md maps; everything else is
reported as ignored, with the reason. The case is then checked as any case file is.
"""

from __future__ import annotations

import json
from typing import Any

from kypho.casefile import parse_case
from kypho.domain.case import Case
from kypho.errors import InvalidInput
from kypho.interop.fhir import codes as c
from kypho.interop.fhir import to_case_clinical as clinical
from kypho.interop.fhir.read_bundle import (
    Entry,
    bundle_entries,
    codings,
    get_list,
    get_str,
    reference,
)
from kypho.interop.fhir.report import ImportReport
from kypho.interop.fhir.to_case_imaging import (
    imaging_study,
    leftover_findings,
)
from kypho.interop.fhir.to_case_observations import Vitals, latest_vitals, observation
from kypho.interop.fhir.to_case_values import (
    day_of,
    has_code,
)

DEFAULT_CASE_ID = "fhir-import"
_IGNORED_TYPES = {  # resource type -> why it is not read (others: "type not mapped")
    "DiagnosticReport": "its text is not read; its result Observations are read on their own",
    "Medication": "read through the MedicationStatement or MedicationRequest citing it",
    "OperationOutcome": "a server message, not a clinical fact",
    "Practitioner": "not a fact of the case",
    "Organization": "not a fact of the case",
}


def bundle_to_case(
    bundle: object, *, case_id: str | None = None, source: str = "bundle"
) -> tuple[Case, ImportReport]:
    """The case a Bundle states, checked as a case file; and what was used or ignored.

    Raises
    ------
    InvalidInput
        A malformed Bundle or resource (naming its path), more than one patient, or a
        case that breaks a case-file rule (naming the case field).
    """
    data, report = bundle_to_case_dict(bundle, case_id=case_id)
    try:
        case = parse_case(json.dumps(data), source=source)
    except InvalidInput as err:
        raise InvalidInput(f"{err} (in the case built from the Bundle)") from None
    return case, report


def bundle_to_case_dict(
    bundle: object, *, case_id: str | None = None
) -> tuple[dict[str, Any], ImportReport]:
    """The case-file dict a Bundle states (not yet checked as a case) and the report."""
    entries = bundle_entries(bundle)
    report = ImportReport()
    case: dict[str, Any] = {"schema_version": 1}
    case["case_id"] = _case_id(bundle, case_id)
    patient_refs = _patient(entries, case, report)
    by_ref = _index(entries)
    visits = _follow_up_visits(entries, case, report)
    vitals: Vitals = {}
    for entry in entries:
        if entry.type in ("Patient", "Encounter") or entry.type == "ImagingStudy":
            continue
        if not _about_patient(entry, patient_refs):
            report.ignore(entry.label, "about another patient than the Bundle's Patient")
            continue
        _dispatch(entry, case, report, by_ref, visits, vitals)
    for entry in entries:
        if entry.type == "ImagingStudy":
            imaging_study(entry, case, report)
    leftover_findings(case, report)
    latest_vitals(vitals, case["patient"], report)
    if case.get("follow_up"):
        case["follow_up"].sort(key=lambda v: v["date"])
    return case, report


def _dispatch(
    entry: Entry,
    case: dict[str, Any],
    report: ImportReport,
    by_ref: dict[str, Entry],
    visits: dict[str, dict[str, Any]],
    vitals: Vitals,
) -> None:
    kind = entry.type
    if kind == "Observation":
        observation(entry, case, report, visits, vitals)
    elif kind == "Condition":
        clinical.condition(entry, case, report)
    elif kind == "AllergyIntolerance":
        clinical.allergy(entry, case, report)
    elif kind in ("MedicationStatement", "MedicationRequest"):
        clinical.medication(entry, case, report, by_ref)
    elif kind in ("Procedure", "ServiceRequest"):
        clinical.procedure(entry, case, report)
    else:
        report.ignore(entry.label, _IGNORED_TYPES.get(kind, "resource type not mapped"))


def _case_id(bundle: object, given: str | None) -> str:
    if given:
        return given
    ident = bundle.get("identifier") if isinstance(bundle, dict) else None
    if isinstance(ident, dict) and ident.get("system") == c.KYPHO_CASE_ID:
        value = get_str(ident, "value", "identifier")
        if value and value.strip():
            return value
    return DEFAULT_CASE_ID


def _patient(entries: tuple[Entry, ...], case: dict[str, Any], report: ImportReport) -> set[str]:
    patients = [e for e in entries if e.type == "Patient"]
    ids = {e.local_ref or e.full_url for e in patients}
    if len(ids) > 1:
        raise InvalidInput(
            f"{patients[1].path}: expected the resources of one patient, got "
            f"{len(ids)} Patient resources; import one patient's Bundle at a time"
        )
    case["patient"] = {}
    refs: set[str] = set()
    for entry in patients:
        refs |= {r for r in (entry.local_ref, entry.full_url) if r}
        _patient_facts(entry, case["patient"], report)
    return refs


def _patient_facts(entry: Entry, patient: dict[str, Any], report: ImportReport) -> None:
    res, gave = entry.resource, []
    born = day_of(entry, report, "birthDate")
    if born is not None:
        patient["birth_date"] = born.isoformat()
        gave.append("patient.birth_date")
    gender = get_str(res, "gender", entry.path)
    if gender in ("female", "male", "other"):
        patient["sex"] = gender
        gave.append("patient.sex")
    elif gender is not None:
        report.notes.append(f"{entry.label}: gender {gender!r}; patient.sex left unknown")
    if gave:
        report.use(entry.label, ", ".join(gave))
    else:
        report.ignore(entry.label, "states no birth date and no sex kypho can use")


def _index(entries: tuple[Entry, ...]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for entry in entries:
        for ref in (entry.full_url, entry.local_ref):
            if ref:
                out[ref] = entry
    return out


def _about_patient(entry: Entry, patient_refs: set[str]) -> bool:
    ref = reference(entry.resource, "subject", entry.path) or reference(
        entry.resource, "patient", entry.path
    )
    if ref is None or not patient_refs:
        return True
    return ref in patient_refs or any(ref.endswith("/" + r) for r in patient_refs if "/" in r)


def _follow_up_visits(
    entries: tuple[Entry, ...], case: dict[str, Any], report: ImportReport
) -> dict[str, dict[str, Any]]:
    """Follow-up visits (Encounters typed kypho follow-up-visit) by their references."""
    visits: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.type != "Encounter":
            continue
        typed = any(
            has_code(codings(t, f"{entry.path}.type[{i}]"), c.KYPHO, c.FOLLOW_UP_VISIT)
            for i, t in enumerate(get_list(entry.resource, "type", entry.path))
        )
        day = day_of(entry, report, "period") if typed else None
        if not typed or day is None:
            report.ignore(entry.label, "not a dated kypho follow-up visit")
            continue
        visit: dict[str, Any] = {"date": day.isoformat()}
        case.setdefault("follow_up", []).append(visit)
        for ref in (entry.full_url, entry.local_ref):
            if ref:
                visits[ref] = visit
        report.use(entry.label, f"follow_up visit {day}")
    return visits
