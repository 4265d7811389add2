"""Where a case stands on the pathway, read from stored records only.

The app decides nothing clinical here: the stage is read off the case row (closed), the
case file (procedure date, follow-up visits), booked appointments and the practice
policy's latest stored decision; follow-up time points come from ``kypho.pathway``.
First match wins, in this order: closed, follow-up due, treated, scheduled, then the
practice decision (candidate, needs review, needs information), else a new referral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kypho.pathway import VisitSlot, follow_up_visits

PRACTICE_POLICY_ID = "practice"
# The brief of issue 10: a follow-up time point is "due" from 7 days before its window opens.
FOLLOW_UP_DUE_AHEAD_DAYS = 7
# Project convention: a procedure window closing within 7 days is flagged overdue, so that
# a case is booked (or re-imaged) before the window shuts.
WINDOW_CLOSING_SOON_DAYS = 7


class Stage(StrEnum):
    NEW_REFERRAL = "new_referral"
    NEEDS_INFORMATION = "needs_information"
    NEEDS_REVIEW = "needs_review"
    CANDIDATE = "candidate"
    SCHEDULED = "scheduled"
    TREATED = "treated"
    FOLLOW_UP_DUE = "follow_up_due"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.NEW_REFERRAL: "New referral",
    Stage.NEEDS_INFORMATION: "Needs information",
    Stage.NEEDS_REVIEW: "Needs review",
    Stage.CANDIDATE: "Candidate",
    Stage.SCHEDULED: "Scheduled",
    Stage.TREATED: "Treated",
    Stage.FOLLOW_UP_DUE: "Follow-up due",
    Stage.CLOSED: "Closed",
}

# The practice policy's stored decision -> stage. "not_candidate" goes to review: a
# physician confirms a refusal and closes the case (the app closes nothing by itself).
_BY_DECISION = {
    "candidate": Stage.CANDIDATE,
    "needs_information": Stage.NEEDS_INFORMATION,
    "needs_review": Stage.NEEDS_REVIEW,
    "not_candidate": Stage.NEEDS_REVIEW,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class StageFacts:
    """The stored records a stage is read from (one case)."""

    closed: bool = False
    procedure_date: date | None = None  # the case file's procedure.date
    visit_dates: tuple[date, ...] = ()  # the case file's follow_up visit dates
    procedure_booked_on: date | None = None  # a booked procedure appointment in the future
    follow_up_booked_on: date | None = None  # a booked follow-up appointment in the future
    practice_decision: str | None = None  # the practice policy's latest stored decision
    window_latest: date | None = None  # that assessment's procedure window, last day


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseStage:
    stage: Stage
    next_action: str
    overdue: tuple[str, ...] = ()  # what is late, in words (empty: nothing)


def _visit_done(slot: VisitSlot, following: VisitSlot | None, visits: tuple[date, ...]) -> bool:
    """A visit from the slot's first day until the next slot opens counts for the slot."""
    end = following.earliest if following else date.max
    return any(slot.earliest <= day < end for day in visits)


def _open_slots(facts: StageFacts) -> list[VisitSlot]:
    assert facts.procedure_date is not None
    slots = follow_up_visits(facts.procedure_date)
    return [
        slot
        for slot, following in zip(slots, (*slots[1:], None), strict=True)
        if not _visit_done(slot, following, facts.visit_dates)
    ]


def _book(due: VisitSlot | None, facts: StageFacts) -> str:
    if facts.follow_up_booked_on is not None:
        return f"Follow-up visit booked for {facts.follow_up_booked_on.isoformat()}"
    if due is None:
        return "Record the missed follow-up visit or close the case"
    return f"Book {due.label} ({due.earliest.isoformat()} to {due.latest.isoformat()})"


def _treated(facts: StageFacts, today: date) -> CaseStage:
    ahead = timedelta(days=FOLLOW_UP_DUE_AHEAD_DAYS)
    open_slots = _open_slots(facts)
    late = tuple(
        f"{s.label}: window closed {s.latest.isoformat()}, no visit recorded"
        for s in open_slots
        if s.latest < today
    )
    due = next((s for s in open_slots if s.latest >= today), None)
    if late or (due is not None and due.earliest - ahead <= today):
        return CaseStage(stage=Stage.FOLLOW_UP_DUE, next_action=_book(due, facts), overdue=late)
    if due is None:
        return CaseStage(stage=Stage.TREATED, next_action="Follow-up complete: close the case")
    return CaseStage(
        stage=Stage.TREATED, next_action=f"{due.label} from {due.earliest.isoformat()}"
    )


def _window_overdue(facts: StageFacts, today: date) -> tuple[str, ...]:
    """A closing window matters while treatment is still possible (not after a refusal)."""
    latest = facts.window_latest
    if latest is None or facts.practice_decision == "not_candidate":
        return ()
    if latest < today:
        return (f"procedure window closed {latest.isoformat()}",)
    days = (latest - today).days
    if days <= WINDOW_CLOSING_SOON_DAYS:
        return (f"procedure window closes {latest.isoformat()} (in {days} days)",)
    return ()


_DECISION_ACTIONS = {
    Stage.CANDIDATE: "Plan and book the procedure",
    Stage.NEEDS_REVIEW: "Physician review of the decision",
    Stage.NEEDS_INFORMATION: "Obtain the missing documents",
}


def stage_of(facts: StageFacts, *, today: date) -> CaseStage:
    """The stage of one case on ``today``, its next action and what is overdue."""
    if facts.closed:
        return CaseStage(stage=Stage.CLOSED, next_action="None: the case is closed")
    if facts.procedure_date is not None and facts.procedure_date < today:
        return _treated(facts, today)
    if facts.procedure_booked_on is not None:
        when = facts.procedure_booked_on.isoformat()
        return CaseStage(stage=Stage.SCHEDULED, next_action=f"Procedure booked for {when}")
    stage = _BY_DECISION.get(facts.practice_decision or "")
    if stage is None:
        return CaseStage(stage=Stage.NEW_REFERRAL, next_action="Assess the referral")
    return CaseStage(
        stage=stage, next_action=_DECISION_ACTIONS[stage], overdue=_window_overdue(facts, today)
    )
