"""A kypho case -> FHIR R4 resources (plain dicts), the inverse of ``to_case``.

Each resource comes with its key (``fracture/L1``); ``export`` turns keys into stable
``urn:uuid:`` full URLs, so the same case always gives the same Bundle. A fact kypho
cannot write (docs/fhir.md, "not mapped") is left out, never approximated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from kypho.domain.case import Case
from kypho.domain.coding import kyphoplasty_cpt
from kypho.domain.imaging import ImagingStudy, LevelFinding
from kypho.domain.levels import Level
from kypho.interop.fhir import codes as c

Resource = dict[str, Any]
Ref = Callable[[str], dict[str, str]]  # key -> {"reference": full URL}
_FLAG_NAMES = {
    "contraindications.osteomyelitis": "osteomyelitis",
    "contraindications.discitis": "discitis",
    "contraindications.uncorrected_coagulopathy": "uncorrected_coagulopathy",
}


def concept(system: str, code: str, text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        found["coding"][0]["display"] = text
        found["text"] = text
    return found


def site(level: Level) -> list[dict[str, Any]] | None:
    code = c.vertebra_codes().get(level)
    return None if code is None else [concept(c.SNOMED, code, f"{level} vertebra")]


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _observation(ref: Ref, system: str, code: str, text: str, on: date | None) -> Resource:
    obs: Resource = {"resourceType": "Observation", "status": "final",
                     "code": concept(system, code, text), "subject": ref("patient")}  # fmt: skip
    if on is not None:
        obs["effectiveDateTime"] = on.isoformat()
    return obs


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": c.UCUM, "code": unit}


def case_resources(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    """(key, resource) of every fact of the case kypho maps, the Patient first."""
    yield "patient", _patient(case)
    yield from _vitals(case, ref)
    yield from _scores(case, ref)
    yield from _conditions(case, ref)
    yield from _medicines_and_care(case, ref)
    yield from _imaging(case, ref)
    yield from _procedure(case, ref)
    yield from _follow_up(case, ref)


def _patient(case: Case) -> Resource:
    patient: Resource = {"resourceType": "Patient"}
    if case.patient.birth_date is not None:
        patient["birthDate"] = case.patient.birth_date.isoformat()
    if case.patient.sex is not None:
        patient["gender"] = str(case.patient.sex)
    return patient


def _vitals(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    vital = {"category": [concept(c.OBSERVATION_CATEGORY, "vital-signs")]}
    if case.patient.weight_kg is not None:
        obs = _observation(ref, c.LOINC, c.BODY_WEIGHT, "Body weight", None)
        yield "weight", {**obs, **vital, "valueQuantity": _quantity(case.patient.weight_kg, "kg")}
    if case.patient.height_cm is not None:
        obs = _observation(ref, c.LOINC, c.BODY_HEIGHT, "Body height", None)
        yield "height", {**obs, **vital, "valueQuantity": _quantity(case.patient.height_cm, "cm")}
    if case.patient.age_years is not None and case.patient.birth_date is None:
        obs = _observation(ref, c.LOINC, c.AGE, "Age", None)  # the birth date, when known, gives it
        yield "age", {**obs, "valueQuantity": _quantity(case.patient.age_years, "a")}


def _pain(ref: Ref, score: float, scale: str, on: date | None) -> Resource:
    if scale == "VAS":
        obs = _observation(ref, c.KYPHO, c.PAIN_VAS, "Pain, visual analogue scale 0-10", on)
    else:
        obs = _observation(ref, c.LOINC, c.PAIN_NRS, "Pain severity 0-10 numeric rating", on)
    return {**obs, "valueQuantity": _quantity(score, "{score}")}


def _odi(ref: Ref, score: float, on: date | None) -> Resource:
    obs = _observation(ref, c.KYPHO, c.ODI, "Oswestry Disability Index", on)
    return {**obs, "valueQuantity": _quantity(score, "%")}


def _rdq(ref: Ref, score: float, on: date | None) -> Resource:
    obs = _observation(ref, c.KYPHO, c.RDQ, "Roland-Morris Disability Questionnaire", on)
    return {**obs, "valueInteger": int(score)}


def _scores(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    for i, pain in enumerate(case.pain or ()):
        yield f"pain/{i}", _pain(ref, pain.score, str(pain.scale), pain.assessed_on)
    for i, score in enumerate(case.function or ()):
        make = _odi if score.instrument == "ODI" else _rdq
        yield f"function/{i}", make(ref, score.score, score.assessed_on)


def _condition(ref: Ref, code: dict[str, Any], present: bool) -> Resource:
    found: Resource = {"resourceType": "Condition", "code": code, "subject": ref("patient")}
    if present:
        found["clinicalStatus"] = _status(c.CONDITION_CLINICAL, "active")
        found["verificationStatus"] = _status(c.CONDITION_VERIFICATION, "confirmed")
    else:
        found["verificationStatus"] = _status(c.CONDITION_VERIFICATION, "refuted")
    return found


def _conditions(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    for fracture in case.fractures or ():
        body = site(fracture.level)
        if body is None:
            continue  # S1: no vertebra code in DICOM CID 7603
        found = _condition(ref, concept(c.KYPHO, c.FRACTURE, "Vertebral fracture"), True)
        found["bodySite"] = body
        if fracture.symptom_onset_date is not None:
            found["onsetDateTime"] = fracture.symptom_onset_date.isoformat()
        if fracture.etiology is not None:
            found["extension"] = [{"url": c.KYPHO_ETIOLOGY, "valueCode": str(fracture.etiology)}]
        yield f"fracture/{fracture.level}", found
    flags = {f"contraindications.{k}": getattr(case.contraindications, k)
             for k in ("osteomyelitis", "discitis", "uncorrected_coagulopathy")}  # fmt: skip
    flags["patient.pregnant"] = case.patient.pregnant
    for field, value in flags.items():
        if value is not None:
            code, title = c.ICD_EXPORT[field]
            yield f"condition/{field}", _condition(ref, concept(c.ICD10CM, code, title), value)
    allergies = {
        "contrast": (case.contraindications.contrast_allergy, c.SNOMED, c.SCT_CONTRAST_ALLERGY,
                     "Contrast media allergy"),
        "cement": (case.contraindications.cement_allergy, c.KYPHO, c.CEMENT_ALLERGY,
                   "Allergy to bone cement (PMMA)"),
    }  # fmt: skip
    for key, (value, system, code, text) in allergies.items():
        if value is not None:
            yield f"allergy/{key}", _allergy(ref, concept(system, code, text), value)


def _allergy(ref: Ref, code: dict[str, Any], present: bool) -> Resource:
    return {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": _status(c.ALLERGY_CLINICAL, "active" if present else "inactive"),
        "verificationStatus": _status(c.ALLERGY_VERIFICATION,
                                      "confirmed" if present else "refuted"),
        "code": code,
        "patient": ref("patient"),
    }  # fmt: skip


def _period(start: date | None, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()} if start else {}
    return period | ({"end": end.isoformat()} if end else {})


def _medicines_and_care(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    taking = case.patient.on_anticoagulants
    if taking is not None:
        yield (
            "anticoagulant",
            {
                "resourceType": "MedicationStatement",
                "status": "active" if taking else "not-taken",
                "medicationCodeableConcept": concept(c.KYPHO, c.ANTICOAGULANT, "Anticoagulant"),
                "subject": ref("patient"),
            },
        )
    for i, care in enumerate(case.conservative_care or ()):
        period = _period(care.start_date, care.end_date)
        status = "completed" if care.end_date else "active"
        if str(care.modality) in c.ATC_EXPORT:
            code, text = c.ATC_EXPORT[str(care.modality)]
            med: Resource = {"resourceType": "MedicationStatement", "status": status,
                             "medicationCodeableConcept": concept(c.ATC, code, text),
                             "subject": ref("patient")}  # fmt: skip
            if period:
                med["effectivePeriod"] = period
            yield f"care/{i}", med
        elif care.modality in ("bracing", "physical_therapy"):
            code = c.BRACING if care.modality == "bracing" else c.PHYSICAL_THERAPY
            text = "Spinal bracing" if care.modality == "bracing" else "Physical therapy"
            status = "completed" if care.end_date else "in-progress"
            proc: Resource = {"resourceType": "Procedure", "status": status,
                              "code": concept(c.KYPHO, code, text),
                              "subject": ref("patient")}  # fmt: skip
            if period:
                proc["performedPeriod"] = period
            yield f"care/{i}", proc
    if case.continuum_of_care.bmd_referral_with_education is True:
        yield "bmd-referral", {
            "resourceType": "ServiceRequest", "status": "completed", "intent": "order",
            "code": concept(c.KYPHO, c.BMD_REFERRAL, "Referral for BMD testing, with education"),
            "subject": ref("patient"),
        }  # fmt: skip


def _imaging(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    for i, study in enumerate(case.imaging or ()):
        key = f"imaging/{i}"
        yield key, _imaging_study(study, ref)
        for finding in study.findings:
            for j, obs in enumerate(finding_observations(finding, study, ref, key)):
                yield f"{key}/{finding.level}/{j}", obs


def _imaging_study(study: ImagingStudy, ref: Ref) -> Resource:
    modality = [{"system": c.DICOM, "code": c.MODALITY_DICOM[str(study.modality)]}]
    if str(study.modality) in c.KYPHO_MODALITY:
        modality.append({"system": c.KYPHO, "code": c.KYPHO_MODALITY[str(study.modality)]})
    found: Resource = {"resourceType": "ImagingStudy", "status": "available",
                       "subject": ref("patient"), "modality": modality}  # fmt: skip
    if study.study_date is not None:
        found["started"] = study.study_date.isoformat()
    if study.study_id:
        found["identifier"] = [{"value": study.study_id}]
    return found


def finding_observations(
    finding: LevelFinding, study: ImagingStudy, ref: Ref, study_key: str
) -> Iterator[Resource]:
    """One Observation per measured or reported value at the level (and its Genant grade)."""
    from kypho.morphometry.grading import genant_grade

    body = site(finding.level)
    if body is None:
        return
    values: list[tuple[str, str, dict[str, Any]]] = []
    for code, field, unit in (
        (c.HEIGHT_LOSS, "height_loss_pct", "%"),
        (c.ANTERIOR_HEIGHT, "anterior_height_mm", "mm"),
        (c.MIDDLE_HEIGHT, "middle_height_mm", "mm"),
        (c.POSTERIOR_HEIGHT, "posterior_height_mm", "mm"),
        (c.RETROPULSION_MM, "retropulsion_mm", "mm"),
    ):
        value = getattr(finding, field)
        if value is not None:
            values.append((code, field, {"valueQuantity": _quantity(value, unit)}))
    for code, field in ((c.MARROW_EDEMA, "marrow_edema"), (c.RETROPULSION, "retropulsion")):
        if getattr(finding, field) is not None:
            values.append((code, field, {"valueBoolean": getattr(finding, field)}))
    loss = finding.effective_height_loss_pct
    if loss is not None:
        grade = {"valueInteger": genant_grade(loss)}
        values.append((c.GENANT_GRADE, "Genant semiquantitative grade (0-3)", grade))
    for code, text, value in values:
        obs = _observation(ref, c.KYPHO, code, text.replace("_", " "), study.study_date)
        yield {**obs, "category": [concept(c.OBSERVATION_CATEGORY, "imaging")],
               "bodySite": body[0], "partOf": [ref(study_key)], **value}  # fmt: skip


def _procedure(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    planned = case.procedure
    if planned.procedure_date is None and not planned.levels:
        return
    base: Resource = {"resourceType": "ServiceRequest", "status": "active", "intent": "plan",
                      "subject": ref("patient")}  # fmt: skip
    if planned.procedure_date is not None:
        base["occurrenceDateTime"] = planned.procedure_date.isoformat()
    coded = [(lv, code) for lv, code in kyphoplasty_cpt(planned.levels or ()) if code]
    if not coded:
        text = "Balloon kyphoplasty (levels not planned)"
        yield "procedure", {**base, "code": concept(c.KYPHO, c.KYPHOPLASTY_PLAN, text)}
    for level, code in coded:
        cpt = concept(c.CPT, code.lstrip("+"), f"Balloon kyphoplasty, {level}")
        yield f"procedure/{level}", {**base, "code": cpt, "bodySite": site(level)}


def _follow_up(case: Case, ref: Ref) -> Iterator[tuple[str, Resource]]:
    for i, visit in enumerate(case.follow_up or ()):
        key, day = f"follow-up/{i}", visit.visit_date
        yield key, {
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "AMB", "display": "ambulatory"},
            "type": [concept(c.KYPHO, c.FOLLOW_UP_VISIT, "Kyphoplasty follow-up visit")],
            "subject": ref("patient"),
            "period": {"start": day.isoformat(), "end": day.isoformat()},
        }  # fmt: skip
        scores = []
        if visit.nrs is not None:
            scores.append(_pain(ref, visit.nrs, "NRS", day))
        if visit.odi_pct is not None:
            scores.append(_odi(ref, visit.odi_pct, day))
        if visit.rdq is not None:
            scores.append(_rdq(ref, visit.rdq, day))
        for j, obs in enumerate(scores):
            yield f"{key}/{j}", {**obs, "encounter": ref(key)}
