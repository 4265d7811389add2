"""Two people correcting one patient: the second save is refused (409), nothing overwritten.

Each correction is kept in ``patient_versions`` with who saved it, so the old values are
recoverable. The patients are stored with a real case file (examples/cases EX-01) through
``create_case``, as a referral would store them; the two people sign in through the real
sign-in form and post the edit form with its CSRF token and the version it showed. The
version is required: a form post or an API body without it is a 422 naming it, with
nothing stored. Every test runs on SQLite and PostgreSQL (``web_db_url``).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.casefile import load_case
from kypho.errors import Conflict
from kypho.store.audit import SYSTEM, Actor
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, Patient, PatientVersion
from kypho.store.patients import patient_history_saved_by, update_patient
from web.conftest import PASSWORD
from web.security.web_security_helpers import signed_in
from web.web_clock import set_clinic_now

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
TODAY = date(2026, 11, 20)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="expected_version" value="([^"]*)"')
NAME, MRN, BORN = "Ingrid Testperson", "MRN-0001", date(1941, 3, 2)
FIRST = {"name": "Ingrid Firstsaved", "mrn": "MRN-0002", "birth_date": "1941-03-20"}
SECOND = {"name": "Ingrid Secondtyped", "mrn": "MRN-0003", "birth_date": "1942-04-04"}


@pytest.fixture
def patient_id(web_engine: Engine, web_app) -> int:  # noqa: ANN001
    noon = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=ZoneInfo("UTC"))
    set_clinic_now(web_app, noon)
    case = load_case(EXAMPLES / "01-acute-l1-worsening-candidate.json", max_bytes=2_000_000)
    details = PatientDetails(mrn=MRN, name=NAME, birth_date=BORN)
    with transaction(session_factory(web_engine)) as db:
        return create_case(db, SYSTEM, patient=details, case=case).patient.id


def _person(web_app, users, username: str) -> TestClient:  # noqa: ANN001
    users.make("coordinator", username=username)
    client = TestClient(web_app)
    signed_in(client, username, PASSWORD)
    return client


def _opened(client: TestClient, patient_id: int) -> dict[str, str]:
    """The hidden fields of the edit form as the page showed them."""
    page = client.get(f"/patients/{patient_id}/edit")
    assert page.status_code == 200
    csrf, version = _CSRF.search(page.text), _VERSION.search(page.text)
    assert csrf and version
    return {"csrf_token": csrf.group(1), "expected_version": version.group(1), "next": "/"}


def _row(engine: Engine, patient_id: int) -> tuple[str, str, date | None, int]:
    with transaction(session_factory(engine)) as db:
        row = db.get(Patient, patient_id)
        assert row is not None
        return row.name, row.mrn, row.birth_date, row.version


def _history(engine: Engine, patient_id: int) -> list[tuple[int, str, str, date | None]]:
    with transaction(session_factory(engine)) as db:
        rows = patient_history_saved_by(db, patient_id)  # newest first
        return [(r.version, r.name, r.mrn, r.birth_date) for r, _ in reversed(rows)]


def _update_events(engine: Engine) -> list[AuditEvent]:
    with transaction(session_factory(engine)) as db:
        query = select(AuditEvent).where(
            AuditEvent.record_type == "patient", AuditEvent.action == "update"
        )
        return list(db.scalars(query.order_by(AuditEvent.id)))


def test_the_second_of_two_people_gets_409_and_nothing_of_theirs_is_written(
    web_app, users, patient_id: int, web_engine: Engine
) -> None:  # noqa: ANN001
    anna, ben = _person(web_app, users, "anna"), _person(web_app, users, "ben")
    anna_form, ben_form = _opened(anna, patient_id), _opened(ben, patient_id)
    assert anna_form["expected_version"] == ben_form["expected_version"] == "1"
    saved = anna.post(f"/patients/{patient_id}/edit", data={**anna_form, **FIRST},
                      follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    refused = ben.post(f"/patients/{patient_id}/edit", data={**ben_form, **SECOND},
                       follow_redirects=False)  # fmt: skip
    assert refused.status_code == 409
    page = html.unescape(refused.text)
    assert "Not saved: someone else saved these details first" in page
    assert "someone saved this patient's details since you opened them" in page
    assert "expected version 2, found 1" in page
    for key, value in SECOND.items():  # what Ben typed is kept in the form
        assert (
            f'name="{key}" type="{"date" if key == "birth_date" else "text"}" value="{value}"'
            in page
        )
    assert 'name="expected_version" value="1"' in page  # still the version Ben opened
    on_file = page.split('id="patient-on-file"', 1)[1].split("</dl>", 1)[0]
    assert all(f"<dd>{value}</dd>" in on_file for value in FIRST.values())  # Anna's, stored
    assert _row(web_engine, patient_id) == ("Ingrid Firstsaved", "MRN-0002", date(1941, 3, 20), 2)
    assert [e.username for e in _update_events(web_engine)] == ["anna"]


def test_every_correction_is_kept_with_who_saved_it(
    web_app, users, patient_id: int, web_engine: Engine
) -> None:  # noqa: ANN001
    anna, ben = _person(web_app, users, "anna"), _person(web_app, users, "ben")
    for client, typed in ((anna, FIRST), (ben, SECOND)):
        form = _opened(client, patient_id)
        answer = client.post(f"/patients/{patient_id}/edit", data={**form, **typed},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303
    assert _history(web_engine, patient_id) == [
        (1, NAME, MRN, BORN),  # the details as they were before any correction
        (2, "Ingrid Firstsaved", "MRN-0002", date(1941, 3, 20)),
        (3, "Ingrid Secondtyped", "MRN-0003", date(1942, 4, 4)),
    ]
    with transaction(session_factory(web_engine)) as db:
        saved_by = db.execute(
            select(PatientVersion.version, PatientVersion.saved_by)
            .where(PatientVersion.patient_id == patient_id).order_by(PatientVersion.version)
        ).all()  # fmt: skip
        ids = {e.username: e.user_id for e in _update_events(web_engine)}
    assert [tuple(r) for r in saved_by] == [(1, None), (2, ids["anna"]), (3, ids["ben"])]
    assert _row(web_engine, patient_id)[3] == 3


def test_a_second_identical_save_is_no_conflict_and_adds_no_version(
    web_app, users, patient_id: int, web_engine: Engine
) -> None:  # noqa: ANN001
    anna = _person(web_app, users, "anna")
    form = _opened(anna, patient_id)
    for _ in range(2):  # a double click: the second post carries the version already used
        answer = anna.post(f"/patients/{patient_id}/edit", data={**form, **FIRST},
                           follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303
    assert [v for v, *_ in _history(web_engine, patient_id)] == [1, 2]
    assert len(_update_events(web_engine)) == 1


@pytest.mark.parametrize("sent", ["two", "0", "-1", "99999999999", "9" * 5000])
def test_a_version_that_is_no_version_is_422_and_nothing_is_saved(
    users, patient_id: int, web_engine: Engine, sent: str
) -> None:  # noqa: ANN001
    answer = users.api("coordinator").post(
        f"/patients/{patient_id}/edit", data={**FIRST, "expected_version": sent}
    )
    assert answer.status_code == 422
    assert 'id="patient-expected_version-error">expected the version number' in answer.text
    assert f'value="{FIRST["name"]}"' in answer.text
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN, 1)


@pytest.mark.parametrize("sent", [None, "", "  "], ids=["left-out", "empty", "blank"])
def test_a_form_post_without_the_version_is_422_beside_the_form_and_nothing_is_saved(
    web_app, users, patient_id: int, web_engine: Engine, sent: str | None
) -> None:  # noqa: ANN001
    anna = _person(web_app, users, "anna")
    form = {k: v for k, v in _opened(anna, patient_id).items() if k != "expected_version"}
    if sent is not None:
        form["expected_version"] = sent
    answer = anna.post(f"/patients/{patient_id}/edit", data={**form, **FIRST},
                       follow_redirects=False)  # fmt: skip
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert (
        '<p class="error" id="patient-expected_version-error">expected the version number the '
        "form was opened at, got none; reload the page and enter your change again</p>"
    ) in page
    assert f'href="/patients/{patient_id}/edit?next=/" id="patient-reload"' in page
    for key, value in FIRST.items():  # what Anna typed is kept in the form
        assert (
            f'name="{key}" type="{"date" if key == "birth_date" else "text"}" value="{value}"'
            in page
        )
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN, 1)
    assert _history(web_engine, patient_id) == []
    assert _update_events(web_engine) == []


def test_an_api_body_without_the_version_is_422_naming_it_and_nothing_is_saved(
    users, patient_id: int, web_engine: Engine
) -> None:  # noqa: ANN001
    body = {"name": FIRST["name"], "mrn": FIRST["mrn"], "birth_date": FIRST["birth_date"]}
    answer = users.api("coordinator").put(f"/api/patients/{patient_id}", json=body)
    assert answer.status_code == 422
    found = answer.json()
    assert (found["error"], found["field"]) == ("invalid_input", "expected_version")
    assert found["expected"] == "the version number that GET /api/patients/<id> showed"
    assert found["found"] == "none"
    assert all(value not in answer.text for value in FIRST.values())  # the body not echoed
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN, 1)
    assert _history(web_engine, patient_id) == []
    assert _update_events(web_engine) == []


def test_the_api_answers_a_stale_correction_with_409_json_naming_the_field(
    users, patient_id: int, web_engine: Engine
) -> None:  # noqa: ANN001
    anna, ben = users.api("coordinator"), users.api("physician")
    shown = anna.get(f"/api/patients/{patient_id}").json()["version"]
    assert shown == ben.get(f"/api/patients/{patient_id}").json()["version"] == 1
    body = {"name": FIRST["name"], "mrn": FIRST["mrn"], "birth_date": None}
    first = anna.put(f"/api/patients/{patient_id}", json={**body, "expected_version": 1})
    assert first.status_code == 200 and first.json()["changed"] == ["name", "mrn", "birth_date"]
    late = {"name": SECOND["name"], "mrn": SECOND["mrn"], "birth_date": None}
    second = ben.put(f"/api/patients/{patient_id}", json={**late, "expected_version": 1})
    assert second.status_code == 409
    found = second.json()
    assert (found["error"], found["field"]) == ("conflict", "expected_version")
    assert (found["expected"], found["found"]) == ("version 2", "1")
    assert _row(web_engine, patient_id) == (FIRST["name"], FIRST["mrn"], None, 2)
    assert anna.get(f"/api/patients/{patient_id}").json()["version"] == 2


@pytest.mark.parametrize("sent", [0, 2**31 - 1, "1.5"])
def test_the_api_refuses_an_expected_version_out_of_range(
    users, patient_id: int, web_engine: Engine, sent: object
) -> None:  # noqa: ANN001
    body = {"name": FIRST["name"], "mrn": MRN, "birth_date": None, "expected_version": sent}
    answer = users.api("coordinator").put(f"/api/patients/{patient_id}", json=body)
    assert answer.status_code == 422 and answer.json()["field"] == "expected_version"
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN, 1)


def test_a_save_committed_between_read_and_write_is_not_overwritten(
    patient_id: int, web_engine: Engine
) -> None:
    """The version check is in the UPDATE itself: a row read before another save commits
    (here: held in one session while another commits) still loses."""
    actor = Actor(user_id=None, username="test", role="coordinator", ip=None)
    factory = session_factory(web_engine)
    first = PatientDetails(name=FIRST["name"], mrn=FIRST["mrn"], birth_date=BORN)
    late = PatientDetails(name=SECOND["name"], mrn=SECOND["mrn"], birth_date=BORN)
    with factory() as slow:
        held = slow.get(Patient, patient_id)
        assert held is not None and held.version == 1  # read now, written after the other
        slow.commit()  # nothing written; ends the read (SQLite's snapshot included)
        with transaction(factory) as quick:
            update_patient(quick, actor, patient_id, first, today=TODAY, expected_version=1)
        assert held.version == 1  # the slow session's copy is stale, and agrees with what
        with pytest.raises(Conflict, match="expected version 2, found 1"):  # it read: 1
            update_patient(slow, actor, patient_id, late, today=TODAY, expected_version=1)
        slow.rollback()
    assert _row(web_engine, patient_id) == (FIRST["name"], FIRST["mrn"], BORN, 2)
    assert [v for v, *_ in _history(web_engine, patient_id)] == [1, 2]


def test_any_field_left_out_is_named_and_the_body_is_not_echoed(
    users, patient_id: int, web_engine: Engine
) -> None:  # noqa: ANN001
    """The app-wide 422 for a missing field (``errors.request_invalid``): pydantic's
    "input" is then the whole body, the patient's name with it; it is never echoed."""
    body = {"name": FIRST["name"], "birth_date": FIRST["birth_date"], "expected_version": 1}
    answer = users.api("coordinator").put(f"/api/patients/{patient_id}", json=body)
    assert answer.status_code == 422
    found = answer.json()
    assert (found["error"], found["field"]) == ("invalid_input", "mrn")
    assert found["message"] == "mrn: expected a value, got none"
    assert FIRST["name"] not in answer.text
    assert _row(web_engine, patient_id) == (NAME, MRN, BORN, 1)
