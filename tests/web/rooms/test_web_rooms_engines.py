"""Rooms and patient corrections on SQLite and on PostgreSQL alike.

Overriding ``web_db_url`` here runs the web suite's fixtures (engine, app, users) once
per engine for this module only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, Patient, Room

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"


@pytest.fixture
def web_db_url(any_engine_url: str) -> str:
    return any_engine_url


def _patient(engine: Engine, example: str, mrn: str, name: str) -> int:
    case = load_case(EXAMPLES / example, max_bytes=2_000_000)
    with transaction(session_factory(engine)) as db:
        details = PatientDetails(mrn=mrn, name=name, birth_date=date(1941, 3, 2))
        return create_case(db, SYSTEM, patient=details, case=case).patient.id


def test_rooms_are_added_renamed_and_kept_unique(users, web_engine: Engine) -> None:  # noqa: ANN001
    api = users.api("coordinator")
    first = api.post("/api/rooms", json={"name": "Procedure room 1"}).json()["id"]
    api.post("/api/rooms", json={"name": "<i>Consult</i> room"})
    assert api.post("/api/rooms", json={"name": "PROCEDURE ROOM 1"}).status_code == 422
    assert api.put(f"/api/rooms/{first}", json={"name": "<i>consult</i> ROOM"}).status_code == 422
    assert api.put(f"/api/rooms/{first}", json={"name": "Hybrid OR"}).status_code == 200
    with transaction(session_factory(web_engine)) as db:
        assert sorted(db.scalars(select(Room.name))) == ["<i>Consult</i> room", "Hybrid OR"]
        events = db.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "room"))
        assert sorted(events) == ["create", "create", "update"]


def test_a_patient_correction_and_an_mrn_clash(users, web_engine: Engine) -> None:  # noqa: ANN001
    mine = _patient(web_engine, "01-acute-l1-worsening-candidate.json", "MRN-0001", "Ann One")
    _patient(web_engine, "03-chronic-t8-healed.json", "MRN-0002", "Bea Two")
    api = users.api("coordinator")
    version = api.get(f"/api/patients/{mine}").json()["version"]
    assert version == 1  # a patient just stored, before any correction
    body = {"name": "Ann O.", "mrn": "MRN-0002", "birth_date": None, "expected_version": version}
    clash = api.put(f"/api/patients/{mine}", json=body)
    assert clash.status_code == 422 and clash.json()["field"] == "mrn"
    assert "Bea" not in clash.text
    body = {"name": "Ann O.", "mrn": "MRN-0003", "birth_date": "1941-03-02",
            "expected_version": version}  # fmt: skip
    fixed = api.put(f"/api/patients/{mine}", json=body)
    assert fixed.json()["changed"] == ["name", "mrn"]
    with transaction(session_factory(web_engine)) as db:
        row = db.get(Patient, mine)
        assert row is not None and (row.name, row.mrn) == ("Ann O.", "MRN-0003")
        update = (AuditEvent.action == "update", AuditEvent.record_type == "patient")
        detail = db.scalar(select(AuditEvent.detail).where(*update))
        assert detail == "fields name,mrn"
