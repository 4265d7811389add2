"""FHIR import from hand-written Bundles shaped like EHR exports (synthetic patients).

Expected values are read off the Bundles by hand: 150 lb is 68.04 kg, 62 in is 157.48 cm.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from kypho_fhir_support import bundle

from kypho.domain import Etiology, Level, Modality, NsmModality, PainScale, Sex
from kypho.errors import InvalidInput
from kypho.interop.fhir import bundle_to_case, bundle_to_case_dict
from kypho.interop.fhir.read_bundle import parse_bundle_text

CHART = "ehr-chart-searchset.json"


def ignored_why(report: Any, entry: int) -> str:
    found = [r.detail for r in report.ignored if r.resource.startswith(f"entry[{entry}] ")]
    assert len(found) == 1, (entry, report.text())
    return found[0]


def test_an_ehr_chart_gives_each_fact_it_states() -> None:
    case, _ = bundle_to_case(bundle(CHART))
    p = case.patient
    assert (p.birth_date, p.sex) == (date(1948, 3, 14), Sex.FEMALE)
    assert p.weight_kg == pytest.approx(150 / 2.2046226218)  # the latest weight, in lb
    assert p.height_cm == pytest.approx(157.48)
    assert p.on_anticoagulants is True  # apixaban, ATC B01AF02
    assert p.risk_factors.chronic_steroid_use is True  # prednisone for 9 months
    assert p.pregnant is None  # not stated
    [fracture] = case.fractures or ()
    assert (fracture.level, fracture.etiology) == (Level.L1, Etiology.OSTEOPOROTIC)
    assert fracture.symptom_onset_date == date(2026, 1, 20)
    assert [(x.score, x.scale, x.assessed_on) for x in case.pain or ()] == [
        (8, PainScale.NRS, date(2026, 1, 22)),
        (7, PainScale.NRS, date(2026, 2, 17)),
    ]
    [mri] = case.imaging or ()
    assert (mri.modality, mri.study_date) == (Modality.MRI, date(2026, 2, 3))
    [finding] = mri.findings
    assert (finding.level, finding.marrow_edema, finding.height_loss_pct) == (Level.L1, True, 30)
    care = [(t.modality, t.start_date, t.end_date) for t in case.conservative_care or ()]
    assert care == [
        (NsmModality.ANALGESICS, date(2026, 1, 22), None),
        (NsmModality.ANTI_OSTEOPOROSIS, None, None),  # stopped: tried, dates not given
        (NsmModality.BRACING, date(2026, 1, 25), date(2026, 2, 15)),
    ]
    ci = case.contraindications
    assert (ci.discitis, ci.contrast_allergy) == (False, True)  # refuted; confirmed
    assert ci.osteomyelitis is None  # resolved: not current, and not "absent" either
    assert ci.cement_allergy is None and ci.uncorrected_coagulopathy is None
    assert case.continuum_of_care.bmd_referral_with_education is True
    assert case.procedure.procedure_date == date(2026, 3, 2)
    assert case.procedure.levels == (Level.L1,)
    assert case.function is None and case.follow_up is None  # not in the Bundle: unknown


def test_the_report_says_why_each_resource_was_ignored() -> None:
    _, report = bundle_to_case(bundle(CHART))
    assert "older" in ignored_why(report, 2)  # the 2025 weight
    assert "preliminary" in ignored_why(report, 6)
    assert "no code kypho maps" in ignored_why(report, 7)  # heart rate
    assert "resolved" in ignored_why(report, 10)
    assert "entry[17] (MedicationStatement)" in {r.resource for r in report.used}  # stopped
    assert "not linked" in ignored_why(report, 21)  # a height loss without its study
    assert "another patient" in ignored_why(report, 26)
    assert ignored_why(report, 27) == "resource type not mapped"  # Basic
    assert "server message" in ignored_why(report, 28)
    assert len(report.used) + len(report.ignored) == len(bundle(CHART)["entry"])


def test_the_report_names_no_identifier() -> None:
    _, report = bundle_to_case(bundle(CHART))
    text = report.text()
    for ident in ("pt-1", "SYNTH-0001", "img-1", "ehr.example.org"):
        assert ident not in text


def test_a_bare_bundle_leaves_the_facts_unknown_and_says_so() -> None:
    case, report = bundle_to_case(bundle("minimal-collection.json"))
    assert case.patient.birth_date is None and case.patient.sex is None  # "1950", "unknown"
    [pain] = case.pain or ()
    assert (pain.score, pain.assessed_on) == (6, None)  # "2026-05" gives no day
    assert len(report.notes) == 3
    assert case.fractures is None and case.conservative_care is None


def _chart() -> dict[str, Any]:
    return copy.deepcopy(bundle(CHART))


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda b: b.update(resourceType="Patient"), "resourceType"),
        (lambda b: b.update(entry={"not": "a list"}), "entry"),
        (lambda b: b["entry"].__setitem__(3, "text"), "entry[3]"),
        (lambda b: b["entry"][3].update(resource=[]), "entry[3].resource"),
        (lambda b: b["entry"][3]["resource"].pop("resourceType"), "entry[3].resource.resourceType"),
        (lambda b: b["entry"][4]["resource"]["valueQuantity"].update(value="8"),
         "entry[4].resource.valueQuantity.value"),
        (lambda b: b["entry"][4]["resource"]["valueQuantity"].update(value=11),
         "entry[4].resource.valueQuantity.value"),
        (lambda b: b["entry"][5]["resource"].update(valueInteger=-1),
         "entry[5].resource.valueInteger"),
        (lambda b: b["entry"][8]["resource"].update(onsetDateTime="20 Jan 2026"),
         "entry[8].resource.onsetDateTime"),
        (lambda b: b["entry"][8]["resource"].update(onsetDateTime="2026-02-30"),
         "entry[8].resource.onsetDateTime"),
        (lambda b: b["entry"][8]["resource"]["bodySite"].__setitem__(0, "L1"),
         "entry[8].resource.bodySite[0]"),
        (lambda b: b["entry"][0]["resource"].update(gender=2), "entry[0].resource.gender"),
        (lambda b: b["entry"][1]["resource"]["valueQuantity"].update(value=1000),
         "entry[1].resource.valueQuantity.value"),
    ],
)  # fmt: skip
def test_a_malformed_bundle_is_bad_input_naming_the_path(edit: Any, path: str) -> None:
    data = _chart()
    edit(data)
    with pytest.raises(InvalidInput) as caught:
        bundle_to_case(data)
    assert str(caught.value).startswith(f"{path}: expected ")


def test_a_weight_at_the_limit_is_read_and_just_above_refused() -> None:
    data = _chart()
    data["entry"][1]["resource"]["valueQuantity"] = {"value": 400, "code": "kg"}
    case, _ = bundle_to_case(data)
    assert case.patient.weight_kg == 400
    data["entry"][1]["resource"]["valueQuantity"] = {"value": 400.1, "code": "kg"}
    with pytest.raises(InvalidInput, match=r"entry\[1\]\.resource\.valueQuantity\.value"):
        bundle_to_case(data)


def test_two_patients_are_refused() -> None:
    data = _chart()
    other = copy.deepcopy(data["entry"][0])
    other["resource"]["id"] = "pt-2"
    data["entry"].append(other)
    with pytest.raises(InvalidInput, match="one patient"):
        bundle_to_case(data)


def test_a_fact_that_breaks_a_case_rule_names_the_case_field() -> None:
    data = _chart()
    data["entry"][0]["resource"]["gender"] = "male"
    data["entry"].append({"resource": {
        "resourceType": "Condition", "subject": {"reference": "Patient/pt-1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "Z33.1"}]},
    }})  # fmt: skip
    with pytest.raises(InvalidInput, match=r"patient\.pregnant.*built from the Bundle"):
        bundle_to_case(data)


def test_a_glucocorticoid_under_three_months_leaves_chronic_use_unknown() -> None:
    data = _chart()
    data["entry"][14]["resource"]["effectivePeriod"] = {"start": "2025-11-04", "end": "2026-02-01"}
    case, report = bundle_to_case(data)  # 89 days
    assert case.patient.risk_factors.chronic_steroid_use is None
    assert "3 months" in ignored_why(report, 14)
    data["entry"][14]["resource"]["effectivePeriod"] = {"start": "2025-11-03", "end": "2026-02-01"}
    case, _ = bundle_to_case(data)  # 90 days
    assert case.patient.risk_factors.chronic_steroid_use is True


def test_unconfirmed_conditions_and_allergies_stay_unknown() -> None:
    data = _chart()
    data["entry"][9]["resource"]["verificationStatus"]["coding"][0]["code"] = "provisional"
    data["entry"][12]["resource"]["verificationStatus"]["coding"][0]["code"] = "refuted"
    case, _ = bundle_to_case(data)
    assert case.contraindications.discitis is None
    assert case.contraindications.contrast_allergy is False


def test_the_case_dict_is_available_for_other_callers() -> None:
    data, report = bundle_to_case_dict(bundle(CHART), case_id="cds-1")
    assert data["case_id"] == "cds-1"
    assert data["fractures"] == [
        {"level": "L1", "etiology": "osteoporotic", "symptom_onset_date": "2026-01-20"}
    ]
    assert report.to_dict()["ignored"][0]["resource"].startswith("entry[")


def test_bundle_text_that_is_not_json_names_the_source() -> None:
    with pytest.raises(InvalidInput, match=r"^b\.json: not valid JSON at line 1"):
        parse_bundle_text("{", source="b.json")
    with pytest.raises(InvalidInput, match=r"^b\.json: expected a JSON object"):
        parse_bundle_text("[]", source="b.json")
