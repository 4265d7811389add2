"""Stored assessments: one per policy per save, reproducible, and the CLI's own JSON."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from kypho_cases_support import EXAMPLES, EngineApp, body, example
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kypho.casefile import parse_case
from kypho.cli import app as cli_app
from kypho.rules import load_policy
from kypho.store.assessments import assessment_text
from kypho.store.engine import session_factory
from kypho.store.models import Assessment, CaseVersion
from kypho.workflows.assess import assess_case

NEW_REFERRAL = "05-new-referral-radiograph-only"


def _rows(engine: Engine) -> list[Assessment]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(Assessment).order_by(Assessment.id)))


def test_each_save_stores_one_assessment_per_policy(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    coordinator.put(f"/api/cases/{pk}", json={"case": example(NEW_REFERRAL),
                                              "expected_version": 1})  # fmt: skip
    rows = _rows(engine_app.engine)
    assert [(r.case_version, r.policy_id) for r in rows] == [
        (1, "practice"), (1, "medicare-l34106"), (1, "vcf-suspicion"),
        (2, "practice"), (2, "medicare-l34106"), (2, "vcf-suspicion"),
    ]  # fmt: skip
    assert {r.on_date.isoformat() for r in rows} == {"2026-11-27"}
    assert rows[0].decision == "needs_information"
    assert rows[0].policy_version == load_policy("practice").version


def test_a_stored_decision_is_reproduced_from_its_version_policy_and_date(
    engine_app: EngineApp,
) -> None:
    engine_app.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL))
    with session_factory(engine_app.engine)() as db:
        for row in db.scalars(select(Assessment)):
            document = db.scalar(
                select(CaseVersion.document).where(
                    CaseVersion.case_id == row.case_id, CaseVersion.version == row.case_version
                )
            )
            policy = load_policy(row.policy_id)
            assert policy.version == row.policy_version
            again = assess_case(parse_case(document or ""), [policy], on=row.on_date)
            assert assessment_text(again.assessments[0]) == row.result


def test_stored_result_is_what_kypho_assess_prints(engine_app: EngineApp) -> None:
    engine_app.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL))
    printed = CliRunner().invoke(cli_app, ["assess", str(EXAMPLES / f"{NEW_REFERRAL}.json"),
                                           "--on", "2026-11-27", "--format", "json"])  # fmt: skip
    assert printed.exit_code == 0, printed.output
    from_cli = json.loads(printed.output)["cases"][0]["assessments"]
    assert [json.loads(r.result) for r in _rows(engine_app.engine)] == from_cli


def test_assess_on_demand_with_a_date(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    answer = coordinator.post(f"/api/cases/{pk}/assessments", json={"on": "2026-11-20"})
    assert answer.status_code == 201, answer.text
    items = answer.json()["items"]
    assert [(i["policy"], i["on"]) for i in items] == [
        ("practice", "2026-11-20"), ("medicare-l34106", "2026-11-20"),
        ("vcf-suspicion", "2026-11-20"),
    ]  # fmt: skip
    assert items[0]["result"]["assessed_on"] == "2026-11-20"
    listed = coordinator.get(f"/api/cases/{pk}/assessments").json()["items"]
    assert len(listed) == 6


def test_assessing_before_the_case_dates_is_refused(engine_app: EngineApp) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    answer = coordinator.post(f"/api/cases/{pk}/assessments", json={"on": "2026-11-01"})
    assert answer.status_code == 422
    assert len(_rows(engine_app.engine)) == 3


def test_read_only_may_list_but_not_assess(client: TestClient, users) -> None:  # noqa: ANN001
    coordinator, reader = users.api("coordinator"), users.api("read_only")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    assert reader.get(f"/api/cases/{pk}/assessments").status_code == 200
    assert reader.post(f"/api/cases/{pk}/assessments", json={}).status_code == 403
    assert client.get(f"/api/cases/{pk}/assessments").status_code == 401


def test_save_case_assesses_when_the_session_asks(web_engine: Engine) -> None:
    from datetime import date

    from kypho.store.audit import SYSTEM
    from kypho.store.cases import (
        ASSESS_ON_SAVE,
        AssessOnSave,
        PatientDetails,
        create_case,
        save_case,
    )

    case = parse_case(json.dumps(example(NEW_REFERRAL)))
    patient = PatientDetails(mrn="MRN-0005", name="Testpatient Number5")
    with session_factory(web_engine).begin() as db:
        stored = create_case(db, SYSTEM, patient=patient, case=case)
        assert db.scalars(select(Assessment)).all() == []  # not asked: not assessed
        db.info[ASSESS_ON_SAVE] = AssessOnSave(policies=[load_policy("practice")],
                                               on=date(2026, 11, 27))  # fmt: skip
        save_case(db, SYSTEM, stored.row.id, case, expected_version=1)
        rows = db.scalars(select(Assessment)).all()
        assert [(r.case_version, r.policy_id, r.decision) for r in rows] == [
            (2, "practice", "needs_information")
        ]
