"""Correcting a patient's details: stored, audited without values, MRN clashes kept private.

The patients are stored with real case files (examples/cases EX-01 and EX-03) through
``create_case``, as a referral would store them. The clinic's clock is fixed at
2026-11-20 so the birth-date boundaries are known dates. Every correction sends the
version it was read at (``expected_version``, required): a patient just stored is at
version 1 (``patients.version`` starts there), which the edit page and the API show.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, Patient
from web.conftest import PASSWORD
from web.security.web_security_helpers import signed_in
from web.web_clock import set_clinic_now

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
TODAY = date(2026, 11, 20)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="expected_version" value="([^"]*)"')
FIRST_VERSION = "1"  # the version of a patient just stored, before any correction
NAME, MRN, BORN = "Ingrid Testperson", "MRN-0001", date(1941, 3, 2)
OTHER_NAME, OTHER_MRN = "Zeno Otherperson", "MRN-7777"


def _store(engine: Engine, example: str, details: PatientDetails) -> tuple[int, int]:
    case = load_case(EXAMPLES / example, max_bytes=2_000_000)
    with transaction(session_factory(engine)) as db:
        stored = create_case(db, SYSTEM, patient=details, case=case)
        return stored.patient.id, stored.row.id


@pytest.fixture
def patient(web_engine: Engine, web_app) -> tuple[int, int]:  # noqa: ANN001
    """(patient id, case pk) of EX-01's patient; the clinic's today is TODAY."""
    noon = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=ZoneInfo("UTC"))
    set_clinic_now(web_app, noon)
    details = PatientDetails(mrn=MRN, name=NAME, birth_date=BORN)
    return _store(web_engine, "01-acute-l1-worsening-candidate.json", details)


@pytest.fixture
def other_patient(web_engine: Engine) -> tuple[int, int]:
    details = PatientDetails(mrn=OTHER_MRN, name=OTHER_NAME, birth_date=date(1950, 5, 6))
    return _store(web_engine, "03-chronic-t8-healed.json", details)


def _row(engine: Engine, patient_id: int) -> tuple[str, str, date | None]:
    with transaction(session_factory(engine)) as db:
        row = db.get(Patient, patient_id)
        assert row is not None
        return row.name, row.mrn, row.birth_date


def _updates(engine: Engine) -> list[AuditEvent]:
    with transaction(session_factory(engine)) as db:
        query = select(AuditEvent).where(
            AuditEvent.record_type == "patient", AuditEvent.action == "update"
        )
        return list(db.scalars(query))


def _form(name: str = NAME, mrn: str = MRN, birth_date: str = BORN.isoformat()) -> dict[str, str]:
    """The edit form's fields, with the version the page shows for a patient just stored."""
    return {"name": name, "mrn": mrn, "birth_date": birth_date,
            "expected_version": FIRST_VERSION}  # fmt: skip


def _body(name: str = NAME, mrn: str = MRN, birth_date: str | None = None) -> dict[str, object]:
    """A ``PUT /api/patients/{id}`` body based on the version a patient just stored is at."""
    return {"name": name, "mrn": mrn, "birth_date": birth_date,
            "expected_version": int(FIRST_VERSION)}  # fmt: skip


def test_a_signed_in_coordinator_corrects_the_details_and_goes_back(
    client: TestClient, users, patient, web_engine
) -> None:  # noqa: ANN001
    patient_id, case_pk = patient
    users.make("coordinator", username="coord")
    signed_in(client, "coord", PASSWORD)
    page = client.get(f"/patients/{patient_id}/edit?next=/cases/{case_pk}")
    assert page.status_code == 200
    assert f'value="{NAME}"' in page.text and f'value="{MRN}"' in page.text
    assert 'value="1941-03-02"' in page.text and 'name="next" value="/cases/' in page.text
    csrf, version = _CSRF.search(page.text), _VERSION.search(page.text)
    assert csrf and version and version.group(1) == FIRST_VERSION
    sent = {"csrf_token": csrf.group(1), "next": f"/cases/{case_pk}",
            **_form("Ingrid Testpersonne", "MRN-0002", "1941-03-20"),
            "expected_version": version.group(1)}  # fmt: skip
    answer = client.post(f"/patients/{patient_id}/edit", data=sent, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{case_pk}"
    assert _row(web_engine, patient_id) == ("Ingrid Testpersonne", "MRN-0002", date(1941, 3, 20))


def test_the_change_is_audited_naming_fields_never_values(users, patient, web_engine) -> None:  # noqa: ANN001
    patient_id, _ = patient
    api = users.api("physician")
    sent = _form("Ingrid Newname", "MRN-NEW-9")
    answer = api.post(f"/patients/{patient_id}/edit", data=sent, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    [event] = _updates(web_engine)
    assert (event.record_id, event.detail) == (str(patient_id), "fields name,mrn")
    for value in ("Ingrid", "Newname", "MRN-NEW-9", NAME, MRN, "MRN", "1941"):
        assert value not in event.detail


def test_only_the_changed_field_is_named_and_no_change_records_nothing(
    users, patient, web_engine
) -> None:  # noqa: ANN001
    patient_id, _ = patient
    api = users.api("coordinator")
    api.post(f"/patients/{patient_id}/edit", data=_form(birth_date="1941-03-03"))
    # the same details again, from the version read before the first save: no change
    api.post(f"/patients/{patient_id}/edit", data=_form(birth_date="1941-03-03"))
    assert [e.detail for e in _updates(web_engine)] == ["fields birth_date"]


def test_an_mrn_on_file_for_another_patient_is_refused_without_saying_whose(
    users, patient, other_patient, web_engine
) -> None:  # noqa: ANN001
    patient_id, _ = patient
    other_id, other_case = other_patient
    answer = users.api("coordinator").post(
        f"/patients/{patient_id}/edit", data=_form("Changed Name", OTHER_MRN)
    )
    assert answer.status_code == 422
    assert 'id="patient-mrn-error">expected an MRN no other patient has' in answer.text
    assert f'value="{OTHER_MRN}"' in answer.text and 'value="Changed Name"' in answer.text
    assert OTHER_NAME not in answer.text and "Zeno" not in answer.text
    assert f"/cases/{other_case}" not in answer.text and "1950" not in answer.text
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN)  # the name was not saved either
    assert _row(web_engine, other_id)[1] == OTHER_MRN
    assert _updates(web_engine) == []


def test_the_api_refuses_an_mrn_clash_naming_the_field_only(
    users, patient, other_patient, web_engine
) -> None:  # noqa: ANN001
    patient_id, _ = patient
    other_id, _ = other_patient
    answer = users.api("coordinator").put(f"/api/patients/{patient_id}", json=_body(mrn=OTHER_MRN))
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "mrn" and body["expected"] == "an MRN no other patient has"
    assert OTHER_NAME not in answer.text and f'"id": {other_id}' not in answer.text
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(TODAY.isoformat(), True), ("2026-11-21", False), ("1900-01-01", True),
     ("1899-12-31", False), ("", True)],
)  # fmt: skip
def test_birth_date_boundaries_on_the_form(users, patient, web_engine, typed, kept) -> None:  # noqa: ANN001
    patient_id, _ = patient
    answer = users.api("coordinator").post(
        f"/patients/{patient_id}/edit", data=_form(birth_date=typed), follow_redirects=False
    )
    stored = _row(web_engine, patient_id)[2]
    if kept:
        assert answer.status_code == 303
        assert stored == (date.fromisoformat(typed) if typed else None)
    else:
        assert answer.status_code == 422
        assert 'id="patient-birth_date-error">expected a date on or' in answer.text
        assert f'value="{typed}"' in answer.text
        assert stored == BORN


@pytest.mark.parametrize(
    ("sent", "status"),
    [("2026-11-20", 200), ("2026-11-21", 422), ("1900-01-01", 200), ("1899-12-31", 422)],
)
def test_birth_date_boundaries_in_the_api(users, patient, web_engine, sent, status) -> None:  # noqa: ANN001
    patient_id, _ = patient
    answer = users.api("physician").put(f"/api/patients/{patient_id}", json=_body(birth_date=sent))
    assert answer.status_code == status, answer.text
    if status == 422:
        assert answer.json()["field"] == "birth_date" and answer.json()["found"] == sent
    assert _row(web_engine, patient_id)[2] == (date.fromisoformat(sent) if status == 200 else BORN)


def test_an_impossible_date_and_a_blank_name_are_shown_beside_their_fields(
    users, patient, web_engine
) -> None:  # noqa: ANN001
    patient_id, _ = patient
    answer = users.api("coordinator").post(
        f"/patients/{patient_id}/edit", data=_form(name="  ", birth_date="1941-02-30")
    )
    assert answer.status_code == 422
    assert 'id="patient-name-error">expected 1 to 200 characters, got 0' in answer.text
    assert 'aria-describedby="patient-name-error" autofocus>' in answer.text  # the first one
    assert (
        'id="patient-birth_date-error">expected a real calendar date written YYYY-MM-DD, '
        "got &#34;1941-02-30&#34;"
    ) in answer.text
    assert 'value="1941-02-30"' in answer.text
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN)


def test_the_api_stores_a_correction_that_the_patient_read_then_shows(users, patient) -> None:  # noqa: ANN001
    patient_id, case_pk = patient
    api = users.api("coordinator")
    shown = api.get(f"/api/patients/{patient_id}").json()["version"]
    assert shown == int(FIRST_VERSION)
    body = {"name": " Ingrid T. Person ", "mrn": "MRN-0003", "birth_date": None,
            "expected_version": shown}  # fmt: skip
    answer = api.put(f"/api/patients/{patient_id}", json=body)
    assert answer.json() == {"id": patient_id, "changed": ["name", "mrn", "birth_date"]}
    read = api.get(f"/api/patients/{patient_id}").json()
    assert (read["name"], read["mrn"], read["birth_date"]) == ("Ingrid T. Person", "MRN-0003", None)
    assert [c["id"] for c in read["cases"]] == [case_pk]


def test_the_api_answers_4xx_json_naming_the_field(users, patient) -> None:  # noqa: ANN001
    patient_id, _ = patient
    api = users.api("coordinator")
    not_a_date = api.put(f"/api/patients/{patient_id}", json=_body(birth_date="2.3.1941"))
    assert not_a_date.status_code == 422 and not_a_date.json()["field"] == "birth_date"
    no_mrn = {k: v for k, v in _body().items() if k != "mrn"}
    no_mrn_answer = api.put(f"/api/patients/{patient_id}", json=no_mrn)
    assert no_mrn_answer.status_code == 422 and no_mrn_answer.json()["field"] == "mrn"
    blank = api.put(f"/api/patients/{patient_id}", json=_body(mrn=" "))
    assert blank.status_code == 422 and blank.json()["field"] == "mrn"
    unknown = api.put("/api/patients/99999", json=_body())
    assert unknown.status_code == 404


@pytest.mark.parametrize("role", ["radiologist", "read_only", "administrator"])
def test_roles_that_may_not_edit_cases_get_403(users, patient, web_engine, role) -> None:  # noqa: ANN001
    patient_id, _ = patient
    api = users.api(role)
    assert api.get(f"/patients/{patient_id}/edit").status_code == 403
    assert api.post(f"/patients/{patient_id}/edit", data=_form("Hacked")).status_code == 403
    assert api.put(f"/api/patients/{patient_id}", json=_body("Hacked")).status_code == 403
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN)


def test_anonymous_callers_are_sent_to_sign_in_or_refused(client: TestClient, patient) -> None:  # noqa: ANN001
    patient_id, _ = patient
    page = client.get(f"/patients/{patient_id}/edit", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next=/patients/{patient_id}/edit"
    answer = client.put(f"/api/patients/{patient_id}", json=_body())
    assert answer.status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/\\evil"])
def test_next_goes_nowhere_but_this_site(users, patient, target: str) -> None:  # noqa: ANN001
    patient_id, _ = patient
    answer = users.api("coordinator").post(
        f"/patients/{patient_id}/edit", data={**_form(), "next": target}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_a_hostile_name_is_stored_intact_and_shown_escaped(users, patient, web_engine) -> None:  # noqa: ANN001
    patient_id, _ = patient
    hostile = '<script>alert("x")</script> O\'Neil & co'
    api = users.api("coordinator")
    assert api.post(f"/patients/{patient_id}/edit", data=_form(name=hostile)).status_code == 200
    assert _row(web_engine, patient_id)[0] == hostile
    page = api.get(f"/patients/{patient_id}/edit").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Neil &amp; co" in page


def test_the_edit_page_read_is_audited(users, patient, web_engine) -> None:  # noqa: ANN001
    patient_id, _ = patient
    users.api("coordinator").get(f"/patients/{patient_id}/edit")
    with transaction(session_factory(web_engine)) as db:
        reads = db.scalars(select(AuditEvent).where(
            AuditEvent.record_type == "patient", AuditEvent.action == "read"))  # fmt: skip
        assert [(e.record_id, e.role) for e in reads] == [(str(patient_id), "coordinator")]
