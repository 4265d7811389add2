"""An observed age (LOINC 30525-0, UCUM ``a``): read only where no birth date gives it.

The Bundles are written here by hand (synthetic); each expected age is the value written
into the Observation, floored to whole years where it has a fraction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kypho.domain import Case, Patient
from kypho.errors import InvalidInput
from kypho.interop.fhir import bundle_to_case, export_bundle

PATIENT_URL = "urn:uuid:0d5e0000-0000-4000-8000-000000000001"


def _age(value: float, unit: str = "a", day: str | None = "2026-02-03") -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0"}]},
        "subject": {"reference": PATIENT_URL},
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
    }  # fmt: skip
    if day is not None:
        obs["effectiveDateTime"] = day
    return obs


def _bundle(*observations: dict[str, Any], birth_date: str | None = None) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "gender": "female"}
    if birth_date is not None:
        patient["birthDate"] = birth_date
    entries = [{"fullUrl": PATIENT_URL, "resource": patient}]
    entries += [{"resource": obs} for obs in observations]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_an_age_without_a_birth_date_is_the_patients_age_and_says_its_day() -> None:
    case, report = bundle_to_case(_bundle(_age(79)))
    assert case.patient.age_years == 79
    assert case.patient.birth_date is None
    assert [(r.resource, r.detail) for r in report.used][-1] == (
        "entry[1] (Observation)", "patient.age_years")  # fmt: skip
    assert any("age on 2026-02-03" in note for note in report.notes)


def test_a_birth_date_comes_first_and_the_age_is_reported_ignored() -> None:
    case, report = bundle_to_case(_bundle(_age(60), birth_date="1948-03-14"))
    assert case.patient.age_years is None  # the age comes from 1948-03-14, not a stale 60
    assert [r.detail for r in report.ignored] == ["an age, where the Patient's birth date gives it"]


def test_the_latest_dated_age_is_kept() -> None:
    older, newer = _age(78, day="2025-01-10"), _age(79, day="2026-01-10")
    case, report = bundle_to_case(_bundle(newer, older))
    assert case.patient.age_years == 79
    assert "older or undated age_years" in report.ignored[0].detail


def test_a_fractional_age_is_the_whole_years_completed() -> None:
    case, report = bundle_to_case(_bundle(_age(79.9)))
    assert case.patient.age_years == 79
    assert "entry[1] (Observation): age 79.9 a read as 79 whole years" in report.notes


def test_an_age_in_another_unit_stays_unknown_and_says_why() -> None:
    case, report = bundle_to_case(_bundle(_age(950, unit="mo")))
    assert case.patient.age_years is None
    assert report.ignored[0].detail == "unit 'mo' is not one of a"


def test_an_age_at_the_limit_is_read_and_just_above_refused() -> None:
    case, _ = bundle_to_case(_bundle(_age(130)))
    assert case.patient.age_years == 130
    with pytest.raises(InvalidInput) as caught:
        bundle_to_case(_bundle(_age(130.5)))
    assert str(caught.value).startswith("entry[1].resource.valueQuantity.value: expected ")
    assert "130.5" in str(caught.value)


@pytest.mark.parametrize("years", [0, 81, 130])
def test_export_writes_the_age_where_no_birth_date_gives_it(years: int) -> None:
    case = Case(case_id="age", patient=Patient(age_years=years))
    assert _exported_ages(case) == [years]
    assert bundle_to_case(export_bundle(case))[0] == case


def test_export_writes_no_age_beside_a_birth_date() -> None:
    case = Case(case_id="age", patient=Patient(age_years=81, birth_date=date(1944, 5, 1)))
    assert _exported_ages(case) == []


def _exported_ages(case: Case) -> list[int]:
    out = []
    for entry in export_bundle(case)["entry"]:
        res = entry["resource"]
        codes = [c["code"] for c in res.get("code", {}).get("coding", [])]
        if res["resourceType"] == "Observation" and "30525-0" in codes:
            assert res["valueQuantity"]["code"] == "a"
            assert res["valueQuantity"]["system"] == "http://unitsofmeasure.org"
            out.append(res["valueQuantity"]["value"])
    return out
