"""The app's FHIR endpoints: import a Bundle, export a stored case, pull from a server.

A real app on a SQLite file with real users and tokens (the web suite's own helpers);
the pull runs against the loopback FHIR server of ``node/server.mjs``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from kypho_fhir_support import EXAMPLES, bundle, mapped, running_fhir_server, unordered
from sqlalchemy import select

from kypho.casefile import case_to_dict, load_case
from kypho.config import Settings
from kypho.interop.fhir import bundle_to_case, export_bundle
from kypho.store.engine import make_engine, session_factory, transaction
from kypho.store.models import AuditEvent
from kypho.store.schema import upgrade
from kypho.web.app import create_app
from kypho.web.deps import clinic_now
from kypho.web.routes.fhir import fhir_base_url
from web.conftest import Users

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PATIENT = {"mrn": "SYN-0001", "name": "Synthetic Patient"}


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


def test_a_coordinator_imports_a_bundle_as_a_new_assessed_case(users: Users) -> None:
    api = users.api("coordinator")
    answer = api.post("/api/fhir/import", json={"patient": PATIENT, "bundle": bundle(
        "ehr-chart-searchset.json")})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert any("Basic" in r["resource"] for r in body["report"]["ignored"])
    stored = api.get(f"/api/cases/{body['id']}").json()
    assert stored["case"]["fractures"] == [
        {"level": "L1", "etiology": "osteoporotic", "symptom_onset_date": "2026-01-20"}
    ]
    assert stored["patient"]["birth_date"] == "1948-03-14"
    assessed = api.get(f"/api/cases/{body['id']}/assessments").json()["items"]
    assert assessed  # assessed on save, like any new case


def test_a_malformed_bundle_is_422_naming_the_path_and_nothing_is_stored(users: Users) -> None:
    api = users.api("coordinator")
    data = copy.deepcopy(bundle("ehr-chart-searchset.json"))
    data["entry"][4]["resource"]["valueQuantity"]["value"] = 11
    answer = api.post("/api/fhir/import", json={"patient": PATIENT, "bundle": data})
    assert answer.status_code == 422
    assert answer.json()["field"] == "entry[4].resource.valueQuantity.value"
    assert api.get("/api/cases").json()["total"] == 0


def test_a_read_only_user_may_not_import(users: Users) -> None:
    answer = users.api("read_only").post("/api/fhir/import", json={"patient": PATIENT,
                                          "bundle": bundle("minimal-collection.json")})  # fmt: skip
    assert answer.status_code == 403


def _create(api: TestClient, stem: str) -> tuple[int, Any]:
    case = load_case(EXAMPLES / f"{stem}.json")
    answer = api.post("/api/cases", json={"patient": PATIENT, "case": case_to_dict(case)})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], case


def test_export_gives_the_stored_case_back_and_is_audited(app: FastAPI, users: Users) -> None:
    pk, case = _create(users.api("coordinator"), "01-acute-l1-worsening-candidate")
    reader = users.api("read_only")
    answer = reader.get(f"/api/cases/{pk}/fhir")
    assert answer.status_code == 200, answer.text
    exported = answer.json()
    kinds = [e["resource"]["resourceType"] for e in exported["entry"]]
    assert "GuidanceResponse" in kinds
    back, _ = bundle_to_case(exported)
    assert back == mapped(case)
    with transaction(session_factory(app.state.test_engine)) as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.case_id == pk)).all()
    assert "export" in actions and "read" in actions


def test_pull_without_a_configured_server_is_503(users: Users) -> None:
    answer = users.api("coordinator").post(
        "/api/fhir/pull", json={"patient": PATIENT, "patient_id": "p1"})  # fmt: skip
    assert answer.status_code == 503
    assert "KYPHO_FHIR_BASE_URL" in answer.json()["message"]


def test_pull_from_a_real_fhir_server_creates_the_case(app: FastAPI, users: Users) -> None:
    case = load_case(EXAMPLES / "04-stable-pain-two-findings.json")
    with running_fhir_server() as base:
        from fhirpy import SyncFHIRClient

        transaction = export_bundle(case, bundle_type="transaction")
        loaded = SyncFHIRClient(base).execute("/", method="post", data=transaction)
        patient_id = loaded["entry"][0]["response"]["location"].split("/")[1]
        app.dependency_overrides[fhir_base_url] = lambda: base
        api = users.api("coordinator")
        answer = api.post("/api/fhir/pull", json={"patient": PATIENT, "patient_id": patient_id})
        assert answer.status_code == 201, answer.text
        missing = api.post("/api/fhir/pull", json={"patient": PATIENT, "patient_id": "nobody"})
        assert missing.status_code == 404
    stored = api.get(f"/api/cases/{answer.json()['id']}").json()["case"]
    stored["case_id"] = case.case_id  # the new case's id is the import's default
    assert unordered(stored) == unordered(case_to_dict(mapped(case)))
    down = api.post("/api/fhir/pull", json={"patient": PATIENT, "patient_id": patient_id})
    assert down.status_code == 502  # the server has stopped
