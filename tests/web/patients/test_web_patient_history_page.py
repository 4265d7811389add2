"""The edit page shows every saved state of a patient's details, newest first.

The patient is EX-01's, stored through ``create_case`` as a referral would store it, then
corrected twice through the form by two signed-in users. The rows expected are written
out here from what was typed, not read from the store.
"""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from web.conftest import PASSWORD
from web.security.web_security_helpers import signed_in

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="expected_version" value="([^"]*)"')
_TABLE = re.compile(r'<table id="patient-history".*?<tbody>(.*?)</tbody>', re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r"<td>(.*?)</td>", re.S)


def _stored(engine: Engine) -> int:
    case = load_case(EXAMPLES / "01-acute-l1-worsening-candidate.json", max_bytes=2_000_000)
    details = PatientDetails(mrn="MRN-H-1", name="Hedda Firstname", birth_date=date(1940, 1, 2))
    with transaction(session_factory(engine)) as db:
        return create_case(db, SYSTEM, patient=details, case=case).patient.id


def _correct(client: TestClient, patient_id: int, name: str, mrn: str, born: str) -> None:
    page = client.get(f"/patients/{patient_id}/edit")
    csrf, version = _CSRF.search(page.text), _VERSION.search(page.text)
    assert csrf and version
    sent = {"csrf_token": csrf.group(1), "next": "/", "name": name, "mrn": mrn,
            "birth_date": born, "expected_version": version.group(1)}  # fmt: skip
    answer = client.post(f"/patients/{patient_id}/edit", data=sent, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def _rows(page: str) -> list[list[str]]:
    table = _TABLE.search(page)
    assert table, "no history table on the page"
    return [[html.unescape(c) for c in _CELL.findall(row)] for row in _ROW.findall(table.group(1))]


def test_two_corrections_show_three_states_newest_first_with_who_saved_them(
    client: TestClient, users, web_engine: Engine
) -> None:  # noqa: ANN001
    patient_id = _stored(web_engine)
    users.make("coordinator", username="coord-a")
    users.make("physician", username="doc-b")
    signed_in(client, "coord-a", PASSWORD)
    _correct(client, patient_id, "Hedda O'Second", "MRN-H-2", "1940-01-03")
    client.post("/sign-out", data={"csrf_token": _CSRF.search(client.get("/").text).group(1)})
    signed_in(client, "doc-b", PASSWORD)
    _correct(client, patient_id, "Hedda Third", "MRN-H-2", "")
    rows = _rows(client.get(f"/patients/{patient_id}/edit").text)
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("3", "doc-b", "Hedda Third", "MRN-H-2", "not known"),
        ("2", "coord-a", "Hedda O'Second", "MRN-H-2", "1940-01-03"),
        ("1", "as first recorded", "Hedda Firstname", "MRN-H-1", "1940-01-02"),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", r[1]) for r in rows)


def test_a_patient_never_corrected_shows_no_history_table(
    client: TestClient, users, web_engine: Engine
) -> None:  # noqa: ANN001
    patient_id = _stored(web_engine)
    users.make("coordinator", username="coord-c")
    signed_in(client, "coord-c", PASSWORD)
    page = client.get(f"/patients/{patient_id}/edit")
    assert page.status_code == 200 and 'value="Hedda Firstname"' in page.text
    assert 'id="patient-history"' not in page.text
