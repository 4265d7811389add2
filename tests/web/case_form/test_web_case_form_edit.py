"""Editing a case: a new version on save; a stale version answers 409 and overwrites nothing."""

from __future__ import annotations

import html

import pytest
from case_form_helpers import FormReader, audit_actions, counts, error_beside, example
from case_form_helpers import stored_documents as versions
from fastapi.testclient import TestClient

from kypho.web.forms.values import form_values


@pytest.fixture
def case_pk(coordinator: TestClient, person: dict[str, str]) -> int:
    answer = coordinator.post(
        "/cases/new", data=form_values(example()) | person, follow_redirects=False
    )
    assert answer.status_code == 303
    return int(answer.headers["location"].rsplit("/", 1)[-1])


def _edit(client: TestClient, case_pk: int, data: dict[str, str]):
    return client.post(f"/cases/{case_pk}/edit", data=data, follow_redirects=False)


def test_the_edit_form_shows_the_current_version(coordinator, case_pk) -> None:
    page = coordinator.get(f"/cases/{case_pk}/edit")
    assert page.status_code == 200
    shown = FormReader(page.text)
    assert shown.values["expected_version"] == "1"
    assert shown.values["case_id"] == "EX-01"
    assert shown.values["fractures[0].level"] == "L1"
    assert shown.values["patient.risk_factors.smoker"] == "false"
    assert shown.values["patient.risk_factors.parental_hip_fracture"] == ""
    assert shown.values["pain[1].score"] == "8"
    assert 'name="case_id" id="f-case-id" value="EX-01" readonly' in page.text
    assert "Ada Example" in page.text and "MRN-0001" in page.text


def test_a_save_is_a_new_version(coordinator, case_pk, web_engine) -> None:
    values = FormReader(coordinator.get(f"/cases/{case_pk}/edit").text).values
    answer = _edit(
        coordinator, case_pk, values | {"pain[1].score": "6", "patient.risk_factors.smoker": ""}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{case_pk}"
    first, second = versions(web_engine)
    assert first == example()
    assert second["pain"][1]["score"] == 6
    assert "smoker" not in second["patient"]["risk_factors"]  # set back to unknown
    assert ("update", "case", "version 2") in audit_actions(web_engine)


def test_a_stale_save_is_a_conflict_and_overwrites_nothing(
    coordinator, users, case_pk, web_engine
) -> None:
    other = users.api("physician")
    mine = FormReader(coordinator.get(f"/cases/{case_pk}/edit").text).values
    theirs = FormReader(other.get(f"/cases/{case_pk}/edit").text).values
    assert _edit(other, case_pk, theirs | {"pain[1].score": "5"}).status_code == 303
    answer = _edit(coordinator, case_pk, mine | {"pain[1].score": "9"})
    assert answer.status_code == 409
    assert "version 2 was saved since" in answer.text
    assert f'href="/cases/{case_pk}/edit"' in answer.text
    assert FormReader(answer.text).values["pain[1].score"] == "9"  # what was typed is kept
    assert [v["pain"][1]["score"] for v in versions(web_engine)] == [8, 5]
    assert counts(web_engine) == (1, 1, 2)


def test_a_bad_value_in_an_edit_stores_nothing(coordinator, case_pk, web_engine) -> None:
    values = FormReader(coordinator.get(f"/cases/{case_pk}/edit").text).values
    answer = _edit(coordinator, case_pk, values | {"imaging[0].findings[0].level": "L9"})
    assert answer.status_code == 422
    message = html.unescape(error_beside(answer.text, "f-imaging-0-findings-0-level"))
    assert message.endswith('got "L9"')
    assert FormReader(answer.text).values["expected_version"] == "1"
    assert counts(web_engine) == (1, 1, 1)


def test_the_case_id_of_a_case_cannot_change(coordinator, case_pk, web_engine) -> None:
    values = FormReader(coordinator.get(f"/cases/{case_pk}/edit").text).values
    answer = _edit(coordinator, case_pk, values | {"case_id": "EX-99"})
    assert answer.status_code == 422
    assert "EX-01" in error_beside(answer.text, "f-case-id")
    assert counts(web_engine) == (1, 1, 1)


def test_an_edit_without_its_version_is_refused(coordinator, case_pk, web_engine) -> None:
    values = FormReader(coordinator.get(f"/cases/{case_pk}/edit").text).values
    values.pop("expected_version")
    answer = _edit(coordinator, case_pk, values)
    assert answer.status_code == 422
    assert "expected_version" in answer.text
    assert counts(web_engine) == (1, 1, 1)


def test_no_such_case_and_no_permission(coordinator, users, case_pk) -> None:
    assert coordinator.get(f"/cases/{case_pk + 1}/edit").status_code == 404
    assert users.api("read_only").get(f"/cases/{case_pk}/edit").status_code == 403
    assert _edit(users.api("radiologist"), case_pk, {}).status_code == 403
