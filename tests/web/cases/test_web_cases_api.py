"""The case JSON API on SQLite and PostgreSQL: create, read, update, conflict, bad input."""

from __future__ import annotations

from kypho_cases_support import EngineApp, body, example
from sqlalchemy import func, select

from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent, Case, CaseVersion, Patient


def _count(app: EngineApp, model: type) -> int:
    with session_factory(app.engine)() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_create_then_read_gives_the_case_back(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    created = coordinator.post("/api/cases", json=body("05-new-referral-radiograph-only"))
    assert created.status_code == 201, created.text
    assert created.json()["case_ref"] == "EX-05"
    assert created.json()["version"] == 1
    answer = coordinator.get(f"/api/cases/{created.json()['id']}")
    assert answer.status_code == 200
    data = answer.json()
    assert data["patient"]["mrn"] == "MRN-0005"
    assert data["patient"]["birth_date"] == "1947-03-14"
    assert data["case"]["fractures"][0]["level"] == "T11"
    assert data["case"]["imaging"][0]["study_id"] == "XR-5"
    assert data["stage"] == "needs_information"  # practice: needs information (9 missing)


def test_update_makes_version_two(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body("05-new-referral-radiograph-only")).json()["id"]
    case = example("05-new-referral-radiograph-only")
    case["pain"][0]["score"] = 9
    answer = coordinator.put(f"/api/cases/{pk}", json={"case": case, "expected_version": 1,
                                                        "note": "pain re-scored"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": pk, "version": 2}
    assert coordinator.get(f"/api/cases/{pk}").json()["case"]["pain"][0]["score"] == 9


def test_second_save_on_the_same_version_is_a_conflict_and_keeps_the_first(
    engine_app: EngineApp,
) -> None:
    first, second = engine_app.api("coordinator"), engine_app.api("physician")
    pk = first.post("/api/cases", json=body("05-new-referral-radiograph-only")).json()["id"]
    mine = example("05-new-referral-radiograph-only")
    mine["pain"][0]["score"] = 9
    theirs = example("05-new-referral-radiograph-only")
    theirs["pain"][0]["score"] = 5
    assert (
        first.put(f"/api/cases/{pk}", json={"case": mine, "expected_version": 1}).status_code == 200
    )
    late = second.put(f"/api/cases/{pk}", json={"case": theirs, "expected_version": 1})
    assert late.status_code == 409
    assert late.json()["error"] == "conflict"
    assert "version 2" in late.json()["message"]
    kept = first.get(f"/api/cases/{pk}").json()
    assert kept["version"] == 2
    assert kept["case"]["pain"][0]["score"] == 9
    assert _count(engine_app, CaseVersion) == 2


def test_unknown_level_is_422_naming_the_field_and_nothing_is_stored(
    engine_app: EngineApp,
) -> None:
    coordinator = engine_app.api("coordinator")
    bad = body("05-new-referral-radiograph-only")
    bad["case"]["fractures"][0]["level"] = "L9"
    answer = coordinator.post("/api/cases", json=bad)
    assert answer.status_code == 422
    assert answer.json()["field"] == "fractures[0].level"
    assert "L9" in answer.json()["message"]
    assert (_count(engine_app, Case), _count(engine_app, Patient)) == (0, 0)


def test_bad_update_is_422_and_version_one_stays(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body("05-new-referral-radiograph-only")).json()["id"]
    bad = example("05-new-referral-radiograph-only")
    bad["pain"][0]["score"] = 11  # NRS is 0-10
    answer = coordinator.put(f"/api/cases/{pk}", json={"case": bad, "expected_version": 1})
    assert answer.status_code == 422
    assert answer.json()["field"] == "pain[0].score"
    assert coordinator.get(f"/api/cases/{pk}").json()["version"] == 1
    assert _count(engine_app, CaseVersion) == 1


def test_missing_patient_name_is_422(engine_app: EngineApp) -> None:
    bad = body("05-new-referral-radiograph-only")
    bad["patient"]["name"] = ""
    answer = engine_app.api("coordinator").post("/api/cases", json=bad)
    assert answer.status_code == 422
    assert answer.json()["field"] == "patient.name"


def test_unknown_case_is_404(engine_app: EngineApp) -> None:
    answer = engine_app.api("read_only").get("/api/cases/999")
    assert answer.status_code == 404


def test_reads_and_changes_are_audited_without_names(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body("05-new-referral-radiograph-only")).json()["id"]
    coordinator.get(f"/api/cases/{pk}")
    coordinator.get("/api/cases")
    with session_factory(engine_app.engine)() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    actions = [(e.action, e.record_type) for e in events if e.role == "coordinator"]
    assert ("create", "case") in actions
    assert ("assess", "case") in actions
    assert ("read", "case") in actions
    assert actions.count(("list", "case")) == 1
    assert not any("Testpatient" in e.detail or "MRN-" in e.detail for e in events)


def test_patient_by_id_and_by_mrn(engine_app: EngineApp) -> None:
    reader = engine_app.api("read_only")
    engine_app.api("coordinator").post("/api/cases", json=body("05-new-referral-radiograph-only"))
    found = reader.get("/api/patients", params={"mrn": "MRN-0005"})
    assert found.status_code == 200
    assert found.json()["name"] == "Testpatient Number5"
    assert found.json()["version"] == 1  # what a correction sends as expected_version
    assert [c["case_ref"] for c in found.json()["cases"]] == ["EX-05"]
    by_id = reader.get(f"/api/patients/{found.json()['id']}")
    assert by_id.json()["mrn"] == "MRN-0005"
    assert reader.get("/api/patients", params={"mrn": "NOPE"}).status_code == 404


def test_a_case_id_already_used_is_422_and_nothing_is_added(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    assert coordinator.post("/api/cases", json=body("09-discitis")).status_code == 201
    again = body("09-discitis", number=99)  # another patient, the same case id EX-09
    answer = coordinator.post("/api/cases", json=again)
    assert answer.status_code == 422
    assert answer.json()["field"] == "case_id"
    assert (_count(engine_app, Case), _count(engine_app, Patient)) == (1, 1)
