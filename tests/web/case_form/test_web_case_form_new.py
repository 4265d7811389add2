"""A new referral through the form: stored as typed, refused beside the field, never half-stored."""

from __future__ import annotations

import html
import re

import pytest
from case_form_helpers import (
    EXAMPLE_01,
    FormReader,
    audit_actions,
    counts,
    error_beside,
    example,
    patient_rows,
    stored_documents,
)
from fastapi.testclient import TestClient

from kypho.casefile import case_to_dict, load_case
from kypho.web.forms.values import form_values
from web.conftest import PASSWORD
from web.security.web_security_helpers import sign_in_form

HOSTILE = "<script>alert(1)</script> O'Brien \"quoted\" '; DROP TABLE cases;--"


def _post(client: TestClient, data: dict[str, str]):
    return client.post("/cases/new", data=data, follow_redirects=False)


def test_a_complete_referral_is_stored_as_the_example(coordinator, person, web_engine) -> None:
    answer = _post(coordinator, form_values(example()) | person)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cases/1"
    assert stored_documents(web_engine) == [example()]
    assert stored_documents(web_engine) == [case_to_dict(load_case(EXAMPLE_01))]
    assert patient_rows(web_engine) == [("MRN-0001", "Ada Example", "1947-03-02")]
    assert ("create", "case", "version 1") in audit_actions(web_engine)


def test_a_hand_typed_referral_is_stored_with_the_values_typed(
    coordinator, person, web_engine
) -> None:
    typed = person | {
        "schema_version": "1",
        "case_id": "HAND-1",
        "patient.age_years": "81",
        "patient.sex": "female",
        "patient.weight.value": "132",
        "patient.weight.unit": "lb",
        "patient.on_anticoagulants": "true",
        "patient.pregnant": "",  # unknown
        "fractures[0].level": "T12",
        "fractures[0].etiology": "osteoporotic",
        "fractures[0].symptom_onset_date": "2026-10-01",
        "fractures[1].level": "",  # an empty row
        "pain[0].score": "8",
        "pain[0].scale": "",  # the model's default (NRS)
        "contraindications.cement_allergy": "false",
        "procedure.levels": "T12",
        "conservative_care:none": "on",
    }
    assert _post(coordinator, typed).status_code == 303
    [stored] = stored_documents(web_engine)
    assert stored == {
        "schema_version": 1,
        "case_id": "HAND-1",
        "patient": {
            "age_years": 81,
            "sex": "female",
            "weight": {"value": pytest.approx(132 / 2.2046226218), "unit": "kg"},
            "on_anticoagulants": True,
        },
        "fractures": [
            {"level": "T12", "etiology": "osteoporotic", "symptom_onset_date": "2026-10-01"}
        ],
        "pain": [{"score": 8, "scale": "NRS"}],
        "conservative_care": [],
        "contraindications": {"cement_allergy": False},
        "procedure": {"levels": ["T12"]},
    }
    for identifier in ("Ada Example", "MRN-0001", "1947-03-02"):
        assert identifier not in str(stored)  # PHI stays in the patient row


BAD_VALUES = [
    ("pain[1].score", "11", "f-pain-1-score", "expected a number from 0 to 10, got 11"),
    (
        "fractures[0].level",
        "L9",
        "f-fractures-0-level",
        'expected a vertebral level, one of C1-C7, T1-T12, L1-L5, S1, got "L9"',
    ),
    (
        "imaging[0].date",
        "2026-02-30",
        "f-imaging-0-date",
        'expected a real calendar date written YYYY-MM-DD, got "2026-02-30"',
    ),
]


@pytest.mark.parametrize(("name", "typed", "input_id", "message"), BAD_VALUES)
def test_a_bad_value_is_refused_beside_its_input_with_everything_kept(
    coordinator, person, web_engine, name, typed, input_id, message
) -> None:
    values = form_values(example()) | person | {name: typed}
    answer = _post(coordinator, values)
    assert answer.status_code == 422
    assert html.unescape(error_beside(answer.text, input_id)) == message
    shown = FormReader(answer.text)
    assert shown.values[name] == typed
    for kept in ("person.name", "patient.weight.value", "pain[0].score", "imaging[0].study_id"):
        assert shown.values[kept] == values[kept]
    assert counts(web_engine) == (0, 0, 0)
    assert audit_actions(web_engine) == []


def test_all_bad_values_are_shown_at_once(coordinator, person, web_engine) -> None:
    bad = {name: typed for name, typed, _, _ in BAD_VALUES}
    answer = _post(coordinator, form_values(example()) | person | bad)
    assert answer.status_code == 422
    for _, _, input_id, message in BAD_VALUES:
        assert html.unescape(error_beside(answer.text, input_id)) == message
    assert "3 fields to correct" in answer.text
    assert counts(web_engine) == (0, 0, 0)


def test_patient_details_are_required(coordinator, web_engine) -> None:
    answer = _post(coordinator, form_values(example()) | {"person.birth_date": "1947-02-30"})
    assert answer.status_code == 422
    assert "required" in error_beside(answer.text, "f-person-name")
    assert "required" in error_beside(answer.text, "f-person-mrn")
    assert "real calendar date" in error_beside(answer.text, "f-person-birth-date")
    assert counts(web_engine) == (0, 0, 0)


def test_a_case_id_already_used_is_refused_and_nothing_more_stored(
    coordinator, person, web_engine
) -> None:
    assert _post(coordinator, form_values(example()) | person).status_code == 303
    answer = _post(coordinator, form_values(example()) | person)
    assert answer.status_code == 422
    assert "not yet used" in error_beside(answer.text, "f-case-id")
    assert counts(web_engine) == (1, 1, 1)


def test_a_second_case_of_the_same_patient_joins_their_record(
    coordinator, person, web_engine
) -> None:
    assert _post(coordinator, form_values(example()) | person).status_code == 303
    again = form_values(example()) | person | {"case_id": "EX-01-B", "person.name": "ada  EXAMPLE"}
    assert _post(coordinator, again).status_code == 303
    assert counts(web_engine) == (1, 2, 2)


def test_an_mrn_on_file_for_someone_else_is_refused(coordinator, person, web_engine) -> None:
    assert _post(coordinator, form_values(example()) | person).status_code == 303
    other = form_values(example()) | person | {"case_id": "EX-01-C", "person.name": "Bo Other"}
    answer = _post(coordinator, other)
    assert answer.status_code == 422
    assert "MRN is on file" in error_beside(answer.text, "f-person-mrn")
    assert "Ada Example" not in answer.text  # the patient on file is not shown
    assert counts(web_engine) == (1, 1, 1)


def test_hostile_text_is_stored_intact_and_shown_escaped(coordinator, person, web_engine) -> None:
    values = (
        form_values(example())
        | person
        | {
            "person.name": HOSTILE,
            "imaging[0].findings[0].source": HOSTILE,
            "follow_up[0].date": "2026-12-01",
            "follow_up[0].complications": HOSTILE,
        }
    )
    assert _post(coordinator, values).status_code == 303
    [stored] = stored_documents(web_engine)
    assert stored["imaging"][0]["findings"][0]["source"] == HOSTILE
    assert stored["follow_up"][0]["complications"] == [HOSTILE]
    assert patient_rows(web_engine)[0][1] == HOSTILE
    page = coordinator.get("/cases/1/edit")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    shown = FormReader(page.text)
    assert shown.values["imaging[0].findings[0].source"] == HOSTILE
    assert shown.values["follow_up[0].complications"] == HOSTILE


def test_hostile_text_in_a_refused_form_comes_back_escaped(coordinator, person, web_engine) -> None:
    values = (
        form_values(example())
        | person
        | {"person.name": HOSTILE, "pain[0].score": "11", "fractures[0].level": HOSTILE}
    )
    answer = _post(coordinator, values)
    assert answer.status_code == 422
    assert "<script>" not in answer.text
    assert FormReader(answer.text).values["person.name"] == HOSTILE
    assert FormReader(answer.text).values["fractures[0].level"] == HOSTILE
    assert counts(web_engine) == (0, 0, 0)


def test_a_referral_through_the_sign_in_page_needs_the_forms_csrf_token(
    client, users, person, web_engine
) -> None:
    users.make("coordinator", username="cora")
    signed = sign_in_form(client, "cora", PASSWORD)
    assert signed.status_code == 303
    page = client.get("/cases/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    refused = _post(client, form_values(example()) | person)
    assert refused.status_code == 403
    assert counts(web_engine) == (0, 0, 0)
    answer = _post(client, form_values(example()) | person | {"csrf_token": token[1]})
    assert answer.status_code == 303
    assert counts(web_engine) == (1, 1, 1)
