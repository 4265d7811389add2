"""The stored stages (``case_stages``): written with each change, refreshed by time, filled.

Expected days are read off the care pathway (clinical-reference §6: the first visit at
2-4 weeks, i.e. days 14 to 28 after the procedure) and the issue's brief (a follow-up
time point is due from 7 days before its window opens; a window closing within 7 days
is overdue): EX-07's procedure on 2026-11-26 opens its first window on 2026-12-10, due
from 2026-12-03, closing 2026-12-24.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kypho_cases_support import NOW, body, example_stems, fix_clock
from sqlalchemy import Engine, delete, func, select, update

from kypho.store.engine import session_factory, transaction
from kypho.store.models import Appointment, Case, CaseStageRow
from kypho.store.stage_table import changes_on
from kypho.store.stages import StageFacts, stage_of


def _row(engine: Engine, case_pk: int) -> CaseStageRow | None:
    with session_factory(engine)() as db:
        return db.get(CaseStageRow, case_pk)


def _item(reader, ref: str) -> dict:  # noqa: ANN001
    answer = reader.get("/api/cases", params={"q": ref})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"][0]


def test_a_follow_up_time_point_coming_due_refreshes_the_row(
    users,  # noqa: ANN001
    web_app,  # noqa: ANN001
    web_engine: Engine,
) -> None:
    posted = users.api("coordinator").post("/api/cases", json=body("07-four-levels-one-session"))
    assert posted.status_code == 201, posted.text
    pk = posted.json()["id"]
    stored = _row(web_engine, pk)  # written with the case, on the clinic's clock
    assert stored is not None
    assert (stored.stage, stored.computed_for) == ("treated", NOW)
    assert stored.valid_until == datetime(2026, 12, 3, tzinfo=UTC)
    reader = users.api("read_only")
    assert _item(reader, "EX-07")["next_action"] == "First follow-up (2-4 weeks) from 2026-12-10"
    fix_clock(web_app, datetime(2026, 12, 2, 23, 59, tzinfo=UTC))  # the day before: as it was
    assert _item(reader, "EX-07")["stage"] == "treated"
    assert _row(web_engine, pk).computed_for == NOW  # not recomputed: still valid
    fix_clock(web_app, datetime(2026, 12, 3, 0, 0, tzinfo=UTC))
    item = _item(reader, "EX-07")
    assert item["stage"] == "follow_up_due"
    assert item["next_action"] == "Book First follow-up (2-4 weeks) (2026-12-10 to 2026-12-24)"
    assert item["overdue"] == []
    refreshed = _row(web_engine, pk)
    assert refreshed.computed_for == datetime(2026, 12, 3, tzinfo=UTC)
    assert refreshed.valid_until == datetime(2026, 12, 25, tzinfo=UTC)  # the window closes
    counts = reader.get("/api/cases").json()["counts"]
    assert (counts["follow_up_due"], counts["treated"]) == (1, 0)


def test_an_empty_table_fills_itself_on_the_first_worklist_read(
    users,  # noqa: ANN001
    web_engine: Engine,
) -> None:
    coordinator = users.api("coordinator")
    for stem in example_stems():
        assert coordinator.post("/api/cases", json=body(stem)).status_code == 201
    with web_engine.begin() as connection:  # a database from before the table was kept
        connection.execute(delete(CaseStageRow))
    with session_factory(web_engine)() as db:
        assert db.scalar(select(func.count()).select_from(CaseStageRow)) == 0
    answer = users.api("read_only").get("/api/cases").json()
    assert answer["total"] == 15
    assert answer["counts"] == {
        "new_referral": 0, "needs_information": 1, "needs_review": 10, "candidate": 3,
        "scheduled": 0, "treated": 1, "follow_up_due": 0, "closed": 0,
    }  # fmt: skip
    with session_factory(web_engine)() as db:
        assert db.scalar(select(func.count()).select_from(CaseStageRow)) == 15


def test_a_change_outside_the_app_still_refreshes_the_row(
    users,  # noqa: ANN001
    web_engine: Engine,
) -> None:
    pk = (
        users.api("coordinator")
        .post("/api/cases", json=body("01-acute-l1-worsening-candidate"))
        .json()["id"]
    )
    assert _row(web_engine, pk).stage == "candidate"
    with transaction(session_factory(web_engine)) as db:  # a case closed by a bulk UPDATE
        db.execute(update(Case).where(Case.id == pk).values(closed_at=NOW))
    assert _row(web_engine, pk).stage == "closed"  # refreshed as that transaction committed
    with transaction(session_factory(web_engine)) as db:  # cases it cannot name: all dropped
        db.execute(update(Appointment).values(status="cancelled"))
    assert _row(web_engine, pk) is None
    assert _item(users.api("read_only"), "EX-01")["stage"] == "closed"  # filled again
    assert _row(web_engine, pk).stage == "closed"


def test_valid_until_is_the_first_day_the_stage_reads_differently() -> None:
    today = date(2026, 11, 27)
    treated = StageFacts(procedure_date=date(2026, 11, 26))
    assert changes_on(treated, today) == date(2026, 12, 3)  # due 7 days before 12-10
    closing = StageFacts(practice_decision="candidate", window_latest=date(2026, 12, 10))
    assert changes_on(closing, today) == date(2026, 12, 3)  # closes in 7 days: overdue
    assert changes_on(closing, date(2026, 12, 3)) == date(2026, 12, 4)  # "in 6 days"
    assert changes_on(StageFacts(practice_decision="needs_review"), today) is None
    assert changes_on(StageFacts(closed=True, procedure_date=date(2026, 1, 5)), today) is None


def test_no_day_before_valid_until_reads_differently() -> None:
    cases = [
        StageFacts(procedure_date=date(2026, 11, 26)),
        StageFacts(procedure_date=date(2026, 10, 1), visit_dates=(date(2026, 10, 20),)),
        StageFacts(practice_decision="candidate", window_latest=date(2026, 12, 20)),
        StageFacts(practice_decision="needs_information", window_latest=date(2026, 11, 30)),
        StageFacts(procedure_date=date(2026, 12, 1), practice_decision="candidate",
                   window_latest=date(2026, 12, 5)),
    ]  # fmt: skip
    for facts in cases:
        day = date(2026, 11, 20)
        while day < date(2028, 1, 1):
            until = changes_on(facts, day)
            end = until or date(2028, 1, 1)
            span = [day + timedelta(days=n) for n in range((end - day).days)]
            assert all(stage_of(facts, today=d) == stage_of(facts, today=day) for d in span)
            if until is None:
                break
            assert stage_of(facts, today=until) != stage_of(facts, today=day)
            day = until
