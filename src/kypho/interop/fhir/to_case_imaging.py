"""ImagingStudy and its finding Observations -> ``imaging[]`` of the case.

A finding is an Observation at one vertebra (``bodySite``) that names its study in
``partOf`` or ``derivedFrom``; one not linked to an ImagingStudy in the Bundle is ignored
(its modality and date would be unknown). The Genant grade is not read back: kypho
derives it from the heights.
"""

from __future__ import annotations

from typing import Any

from kypho.interop.fhir import codes as c
from kypho.interop.fhir.read_bundle import Entry, get_bool, get_list, get_str
from kypho.interop.fhir.report import ImportReport
from kypho.interop.fhir.to_case_values import day_of, has_code, levels_of, value_number

PENDING = "__findings"  # key of the findings waiting for their study in the case dict
_QUANTITY_FIELDS = {  # kypho code -> (finding field, low, high)
    c.HEIGHT_LOSS: ("height_loss_pct", 0, 100),
    c.ANTERIOR_HEIGHT: ("anterior_height_mm", 0, 100),
    c.MIDDLE_HEIGHT: ("middle_height_mm", 0, 100),
    c.POSTERIOR_HEIGHT: ("posterior_height_mm", 0, 100),
    c.RETROPULSION_MM: ("retropulsion_mm", 0, 50),
}
_BOOLEAN_FIELDS = {c.MARROW_EDEMA: "marrow_edema", c.RETROPULSION: "retropulsion"}


def finding_observation(
    entry: Entry, found: list[tuple[str, str]], report: ImportReport, case: dict[str, Any]
) -> bool:
    """True if the Observation is an imaging finding (kept for its study, or ignored)."""
    kypho = [code for system, code in found if system == c.KYPHO]
    if has_code(found, c.SNOMED, c.SCT_EDEMA):
        kypho.append(c.MARROW_EDEMA)
    if c.GENANT_GRADE in kypho:
        report.ignore(entry.label, "Genant grade: derived by kypho from the heights, not read")
        return True
    code = next((k for k in kypho if k in _QUANTITY_FIELDS or k in _BOOLEAN_FIELDS), None)
    if code is None:
        return False
    levels = levels_of(entry)
    if len(levels) != 1:
        report.ignore(entry.label, f"a finding needs one vertebra in bodySite, got {len(levels)}")
        return True
    if code in _QUANTITY_FIELDS:
        field, lo, hi = _QUANTITY_FIELDS[code]
        value: object = value_number(entry, lo, hi)
    else:
        field, value = _BOOLEAN_FIELDS[code], get_bool(entry.resource, "valueBoolean", entry.path)
    if value is None:
        report.ignore(entry.label, f"{field} without a value")
        return True
    studies: list[str] = []
    for key in ("partOf", "derivedFrom"):
        for i, ref in enumerate(get_list(entry.resource, key, entry.path)):
            target = get_str(ref, "reference", f"{entry.path}.{key}[{i}]")
            if target:
                studies.append(target)
    case.setdefault(PENDING, []).append((studies, str(levels[0]), field, value, entry.label))
    return True


def imaging_study(entry: Entry, case: dict[str, Any], report: ImportReport) -> None:
    modality = _modality(entry)
    if modality is None:
        report.ignore(entry.label, "modality not one kypho maps (MR, CT, CR, DX; NM with "
                      "kypho's bone-scan or spect code)")  # fmt: skip
        return
    study: dict[str, Any] = {"modality": modality}
    day = day_of(entry, report, "started")
    if day is not None:
        study["date"] = day.isoformat()
    idents = get_list(entry.resource, "identifier", entry.path)
    if idents:
        value = get_str(idents[0], "value", f"{entry.path}.identifier[0]")
        if value:
            study["study_id"] = value
    refs = {r for r in (entry.full_url, entry.local_ref) if r}
    findings: dict[str, dict[str, Any]] = {}
    for item in list(case.get(PENDING, [])):
        targets, level, field, value, label = item
        if refs & set(targets) or any(t.endswith("/" + r) for t in targets for r in refs):
            findings.setdefault(level, {"level": level})[field] = value
            report.use(label, f"imaging ({modality}) finding {level}.{field}")
            case[PENDING].remove(item)
    study["findings"] = list(findings.values())
    case.setdefault("imaging", []).append(study)
    report.use(entry.label, f"imaging ({modality})" + ("" if day else "; undated"))


def leftover_findings(case: dict[str, Any], report: ImportReport) -> None:
    for _, _, field, _, label in case.pop(PENDING, []):
        report.ignore(label, f"{field}: not linked (partOf/derivedFrom) to an ImagingStudy here")


def _modality(entry: Entry) -> str | None:
    found = []
    for i, coding in enumerate(get_list(entry.resource, "modality", entry.path)):
        system = get_str(coding, "system", f"{entry.path}.modality[{i}]")
        code = get_str(coding, "code", f"{entry.path}.modality[{i}]")
        found.append((system, code))
    for system, code in found:
        if system == c.KYPHO and code in c.KYPHO_MODALITY.values():
            return next(k for k, v in c.KYPHO_MODALITY.items() if v == code)
    for system, code in found:
        if system == c.DICOM and code in c.DICOM_MODALITY:
            return c.DICOM_MODALITY[code]
    return None
