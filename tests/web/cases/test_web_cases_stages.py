"""Stages, search and filters over the 15 example cases, imported through the API.

Expected stages on the fixed day 2026-11-27, read off ``kypho assess examples/cases
--on 2026-11-27 --format summary`` (the practice policy's decisions) and the case files'
procedure dates: EX-07's procedure (2026-11-26) is past, so it is treated; the rest
follow the practice decision, a refusal (not a candidate) going to review.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kypho_cases_support import EngineApp, body, example_stems
from sqlalchemy import update

from kypho.store.engine import session_factory, transaction
from kypho.store.models import Appointment, Case, Room, User

EXPECTED_COUNTS = {
    "new_referral": 0,
    "needs_information": 1,  # EX-05
    "needs_review": 10,  # 02 03 04 09 10 14 15 (not a candidate), 06 08 13 (needs review)
    "candidate": 3,  # EX-01, EX-11, EX-12
    "scheduled": 0,
    "treated": 1,  # EX-07
    "follow_up_due": 0,
    "closed": 0,
}


@pytest.fixture
def imported(engine_app: EngineApp) -> dict[str, int]:
    coordinator = engine_app.api("coordinator")
    ids = {}
    for stem in example_stems():
        answer = coordinator.post("/api/cases", json=body(stem))
        assert answer.status_code == 201, answer.text
        ids[answer.json()["case_ref"]] = answer.json()["id"]
    return ids


def _refs(answer: dict) -> set[str]:
    return {item["case_ref"] for item in answer["items"]}


def test_counts_per_stage(engine_app: EngineApp, imported: dict[str, int]) -> None:
    answer = engine_app.api("read_only").get("/api/cases").json()
    assert answer["counts"] == EXPECTED_COUNTS
    assert answer["total"] == 15
    assert len(imported) == 15


def test_stage_filter(engine_app: EngineApp, imported: dict[str, int]) -> None:
    reader = engine_app.api("read_only")
    assert _refs(reader.get("/api/cases", params={"stage": "candidate"}).json()) == {
        "EX-01", "EX-11", "EX-12"}  # fmt: skip
    assert _refs(reader.get("/api/cases", params={"stage": "treated"}).json()) == {"EX-07"}
    assert _refs(reader.get("/api/cases", params={"stage": "needs_information"}).json()) == {
        "EX-05"}  # fmt: skip
    assert reader.get("/api/cases", params={"stage": "closed"}).json()["items"] == []
    assert reader.get("/api/cases", params={"stage": "nonsense"}).status_code == 422


def test_search_by_ref_name_and_mrn(engine_app: EngineApp, imported: dict[str, int]) -> None:
    reader = engine_app.api("read_only")
    assert _refs(reader.get("/api/cases", params={"q": "MRN-0009"}).json()) == {"EX-09"}
    assert _refs(reader.get("/api/cases", params={"q": "number12"}).json()) == {"EX-12"}
    assert _refs(reader.get("/api/cases", params={"q": "ex-07"}).json()) == {"EX-07"}
    assert reader.get("/api/cases", params={"q": "nobody"}).json()["items"] == []
    narrowed = reader.get("/api/cases", params={"q": "MRN-001", "stage": "candidate"}).json()
    assert _refs(narrowed) == {"EX-11", "EX-12"}
    assert narrowed["counts"]["needs_review"] == 4  # EX-10, 13, 14, 15


def test_detail_carries_the_stage(engine_app: EngineApp, imported: dict[str, int]) -> None:
    reader = engine_app.api("read_only")
    assert reader.get(f"/api/cases/{imported['EX-01']}").json()["stage"] == "candidate"
    assert reader.get(f"/api/cases/{imported['EX-07']}").json()["stage"] == "treated"


def test_booked_procedure_is_scheduled_and_closed_wins(
    engine_app: EngineApp, imported: dict[str, int]
) -> None:
    pk = imported["EX-01"]
    starts = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # after the fixed clock
    with transaction(session_factory(engine_app.engine)) as db:
        room = Room(name="Procedure room 1")
        clinician = db.query(User).first()
        assert clinician is not None
        db.add(room)
        db.flush()
        db.add(Appointment(case_id=pk, kind="procedure", starts_at=starts,
                           ends_at=starts + timedelta(hours=1), clinician_id=clinician.id,
                           room_id=room.id))  # fmt: skip
    reader = engine_app.api("read_only")
    item = reader.get("/api/cases", params={"q": "EX-01"}).json()["items"][0]
    assert item["stage"] == "scheduled"
    assert item["next_action"] == "Procedure booked for 2026-11-28"
    with transaction(session_factory(engine_app.engine)) as db:
        db.execute(update(Case).where(Case.id == pk).values(closed_at=starts))
    assert reader.get(f"/api/cases/{pk}").json()["stage"] == "closed"


def test_latest_decisions_per_policy_are_listed(
    engine_app: EngineApp, imported: dict[str, int]
) -> None:
    item = engine_app.api("read_only").get("/api/cases", params={"q": "EX-08"}).json()["items"][0]
    assert item["decisions"] == {
        "practice": "needs_review",
        "medicare-l34106": "not_candidate",
        "vcf-suspicion": "outside_pathway",
    }
