"""The app's FHIR export carries the stored signed plan and the issued documents.

A real app on a SQLite file with the web suite's users: the case is stored, planned and
signed by the physician, a consent issued (a PDF and its HTML print view); the export
must carry the plan as ``kypho fhir export --plan-policy`` writes it (CarePlan and a
ServiceRequest per level, CPT from the coding table: EX-01's L1 is lumbar, 22514) and
the PDF exactly as stored, with its size and its SHA-1 (FHIR R4 ``Attachment.hash``),
computed here with hashlib from the stored bytes, and pass the Medplum validator.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from kypho_fhir_support import EXAMPLES, validate_with_medplum
from sqlalchemy import select

from kypho.casefile import case_to_dict, load_case
from kypho.config import Settings
from kypho.store.engine import make_engine, session_factory, transaction
from kypho.store.models import AuditEvent, IssuedDocument
from kypho.store.schema import upgrade
from kypho.web.app import create_app
from kypho.web.deps import clinic_now
from web.conftest import Users

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PATIENT = {"mrn": "SYN-0002", "name": "Synthetic Patient"}
PLANNED_ON = "2026-11-20"  # EX-01 is a candidate then (tests/web/plan)
CPT = "http://www.ama-assn.org/go/cpt"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    engine = make_engine(f"sqlite:///{tmp_path / 'kypho.sqlite3'}")
    upgrade(engine)
    settings = Settings(data_dir=tmp_path / "data", secret_key="test-secret-" + "x" * 32)
    web_app = create_app(settings, engine=engine)
    web_app.dependency_overrides[clinic_now] = lambda: NOW
    web_app.state.test_engine = engine
    yield web_app
    engine.dispose()


@pytest.fixture
def users(app: FastAPI) -> Users:
    return Users(app.state.test_engine, app)


def _stored_case(users: Users) -> int:
    case = load_case(EXAMPLES / "01-acute-l1-worsening-candidate.json")
    made = users.api("coordinator").post(
        "/api/cases", json={"patient": PATIENT, "case": case_to_dict(case)}
    )
    assert made.status_code == 201, made.text
    pk: int = made.json()["id"]
    return pk


def _plan(physician: TestClient, pk: int, *, sign: bool) -> int:
    plan = physician.post(f"/api/cases/{pk}/plans", json={"on": PLANNED_ON})
    assert plan.status_code == 201, plan.text
    plan_id: int = plan.json()["id"]
    if sign:
        assert physician.post(f"/api/cases/{pk}/plans/{plan_id}/sign").status_code == 200
    return plan_id


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _export(users: Users, pk: int) -> dict[str, Any]:
    answer = users.api("read_only").get(f"/api/cases/{pk}/fhir")
    assert answer.status_code == 200, answer.text
    bundle: dict[str, Any] = answer.json()
    return bundle


def test_export_carries_the_signed_plan_and_the_consent_pdf_as_issued(
    app: FastAPI, users: Users
) -> None:
    pk = _stored_case(users)
    physician = users.api("physician")
    plan_id = _plan(physician, pk, sign=True)
    issued = physician.post(f"/api/cases/{pk}/documents",
                            json={"plan_id": plan_id, "kind": "consent"})  # fmt: skip
    assert issued.status_code == 201, issued.text
    bundle = _export(users, pk)

    (care_plan,) = _of(bundle, "CarePlan")
    assert care_plan["status"] == "active"
    codes = [(r["code"]["coding"][0]["system"], r["code"]["coding"][0]["code"])
             for r in _of(bundle, "ServiceRequest") if r.get("intent") == "proposal"]  # fmt: skip
    assert codes == [(CPT, "22514")]

    with session_factory(app.state.test_engine)() as db:
        docs = list(db.scalars(select(IssuedDocument).order_by(IssuedDocument.id)))
    pdf = next(d for d in docs if d.media_type == "application/pdf")
    assert any(d.media_type.startswith("text/html") for d in docs)  # issued, not exported
    (reference,) = _of(bundle, "DocumentReference")
    attachment = reference["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == pdf.content
    assert attachment["size"] == len(pdf.content)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf.content).digest()).decode()
    assert attachment["title"] == pdf.filename
    assert reference["identifier"] == [
        {"system": "urn:kypho:sha256", "value": hashlib.sha256(pdf.content).hexdigest()}
    ]
    issued_at = pdf.issued_at.replace(microsecond=0).isoformat()
    assert reference["date"] == attachment["creation"] == issued_at

    results = validate_with_medplum([*(e["resource"] for e in bundle["entry"]), bundle])
    assert [(r["resourceType"], r["issues"]) for r in results if not r["ok"]] == []

    with transaction(session_factory(app.state.test_engine)) as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.case_id == pk)).all()
    exports = [e.detail for e in events if e.action == "export"]
    assert exports == [f"FHIR Bundle, {len(bundle['entry'])} resources; plan {plan_id}; "
                       "1 documents"]  # fmt: skip
    assert {(e.action, e.record_type) for e in events} >= {("read", "plan"), ("read", "document")}


def test_an_unsigned_plan_is_not_exported_and_the_newest_signed_one_is(
    app: FastAPI, users: Users
) -> None:
    pk = _stored_case(users)
    physician = users.api("physician")
    _plan(physician, pk, sign=False)
    bundle = _export(users, pk)
    assert _of(bundle, "CarePlan") == [] and _of(bundle, "DocumentReference") == []
    signed = _plan(physician, pk, sign=True)
    _plan(physician, pk, sign=False)  # newer, unsigned: not the one exported
    bundle = _export(users, pk)
    (care_plan,) = _of(bundle, "CarePlan")
    assert care_plan["status"] == "active"
    with transaction(session_factory(app.state.test_engine)) as db:
        details = db.scalars(select(AuditEvent.detail).where(
            AuditEvent.case_id == pk, AuditEvent.action == "export")).all()  # fmt: skip
    assert [d.split("; ", 1)[1] for d in details] == [
        "no signed plan; 0 documents",
        f"plan {signed}; 0 documents",
    ]
