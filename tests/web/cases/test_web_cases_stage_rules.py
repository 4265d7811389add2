"""``stage_of`` on hand-dated records: both sides of every date boundary.

A procedure on 2026-11-26 has its first follow-up window 2026-12-10 to 2026-12-24
(14 to 28 days, kypho.pathway) and its 3-month window 2027-02-12 to 2027-03-12
(2027-02-26 +/- 14 days); "due" starts 7 days before a window opens.
"""

from __future__ import annotations

from datetime import date

from kypho.store.stages import Stage, StageFacts, stage_of

DONE = date(2026, 11, 26)
FIRST = "First follow-up (2-4 weeks)"


def test_treated_until_seven_days_before_the_first_window() -> None:
    found = stage_of(StageFacts(procedure_date=DONE), today=date(2026, 12, 2))
    assert found.stage is Stage.TREATED
    assert found.next_action == f"{FIRST} from 2026-12-10"
    due = stage_of(StageFacts(procedure_date=DONE), today=date(2026, 12, 3))
    assert due.stage is Stage.FOLLOW_UP_DUE
    assert due.next_action == f"Book {FIRST} (2026-12-10 to 2026-12-24)"
    assert due.overdue == ()


def test_a_missed_window_is_overdue_until_a_visit_is_recorded() -> None:
    on_last_day = stage_of(StageFacts(procedure_date=DONE), today=date(2026, 12, 24))
    assert on_last_day.overdue == ()
    late = stage_of(StageFacts(procedure_date=DONE), today=date(2026, 12, 25))
    assert late.stage is Stage.FOLLOW_UP_DUE
    assert late.overdue == (f"{FIRST}: window closed 2026-12-24, no visit recorded",)
    seen = StageFacts(procedure_date=DONE, visit_dates=(date(2026, 12, 20),))
    assert stage_of(seen, today=date(2026, 12, 25)).stage is Stage.TREATED
    seen_late = StageFacts(procedure_date=DONE, visit_dates=(date(2026, 12, 28),))
    assert stage_of(seen_late, today=date(2026, 12, 29)).overdue == ()


def test_the_procedure_day_itself_is_not_yet_treated() -> None:
    facts = StageFacts(procedure_date=DONE, practice_decision="candidate")
    assert stage_of(facts, today=DONE).stage is Stage.CANDIDATE
    assert stage_of(facts, today=date(2026, 11, 27)).stage is Stage.TREATED


def test_decisions_map_to_stages() -> None:
    day = date(2026, 11, 27)
    assert stage_of(StageFacts(), today=day).stage is Stage.NEW_REFERRAL
    for decision, stage in [
        ("candidate", Stage.CANDIDATE),
        ("needs_information", Stage.NEEDS_INFORMATION),
        ("needs_review", Stage.NEEDS_REVIEW),
        ("not_candidate", Stage.NEEDS_REVIEW),
    ]:
        assert stage_of(StageFacts(practice_decision=decision), today=day).stage is stage


def test_window_closing_within_seven_days_is_overdue() -> None:
    facts = StageFacts(practice_decision="candidate", window_latest=date(2026, 12, 13))
    assert stage_of(facts, today=date(2026, 12, 5)).overdue == ()
    assert stage_of(facts, today=date(2026, 12, 6)).overdue == (
        "procedure window closes 2026-12-13 (in 7 days)",
    )
    assert stage_of(facts, today=date(2026, 12, 14)).overdue == (
        "procedure window closed 2026-12-13",
    )


def test_closed_and_booked_come_first() -> None:
    day = date(2026, 11, 27)
    closed = StageFacts(closed=True, procedure_date=DONE, practice_decision="candidate")
    assert stage_of(closed, today=day).stage is Stage.CLOSED
    booked = StageFacts(procedure_booked_on=date(2026, 12, 1), practice_decision="candidate",
                        window_latest=date(2026, 11, 30))  # fmt: skip
    found = stage_of(booked, today=day)
    assert (found.stage, found.overdue) == (Stage.SCHEDULED, ())


def test_a_refusal_is_not_overdue_for_its_window() -> None:
    facts = StageFacts(practice_decision="not_candidate", window_latest=date(2026, 9, 16))
    found = stage_of(facts, today=date(2026, 11, 27))
    assert (found.stage, found.overdue) == (Stage.NEEDS_REVIEW, ())


def test_a_booked_follow_up_is_named_as_the_next_action() -> None:
    facts = StageFacts(procedure_date=DONE, follow_up_booked_on=date(2026, 12, 14))
    found = stage_of(facts, today=date(2026, 12, 3))
    assert found.stage is Stage.FOLLOW_UP_DUE
    assert found.next_action == "Follow-up visit booked for 2026-12-14"
