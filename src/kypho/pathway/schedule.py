"""Follow-up visits after the procedure and the osteoporosis follow-through."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from kypho.pathway.recovery import recovery_timeline
from kypho.pathway.types import RecoveryPathway, VisitSlot
from kypho.planning.sources import L34106, URL_EVOLVE, URL_PATHWAY, convention, ref

FIRST_VISIT_EARLIEST_DAYS = 14  # care pathway: first visit at 2-4 weeks (clinical-reference §6)
FIRST_VISIT_LATEST_DAYS = 28
FIRST_VISIT_TARGET_DAYS = 21  # middle of the 2-4 week span (project convention)
LATER_VISIT_MONTHS = (3, 6, 12)  # EVOLVE assessment schedule (clinical-reference §6, §5.2)
LATER_VISIT_TOLERANCE_DAYS = 14  # +/- around each target: project convention

OSTEOPOROSIS_STEPS = (
    "Refer for bone mineral density (BMD) evaluation",
    "Osteoporosis education",
    "Instruct to join an osteoporosis prevention/treatment program",
)
OSTEOPOROSIS_CITATIONS = (
    ref("1.7", L34106),
    ref("6", "https://pubmed.ncbi.nlm.nih.gov/11176842/?dopt=Abstract"),
)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's last day.

    >>> add_months(date(2026, 11, 30), 3)
    datetime.date(2027, 2, 28)
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_visits(procedure_day: date) -> tuple[VisitSlot, ...]:
    """The first visit at 2-4 weeks, then at 3, 6 and 12 months."""
    first = VisitSlot(
        key="visit-2-4-weeks",
        label="First follow-up (2-4 weeks)",
        earliest=procedure_day + timedelta(days=FIRST_VISIT_EARLIEST_DAYS),
        target=procedure_day + timedelta(days=FIRST_VISIT_TARGET_DAYS),
        latest=procedure_day + timedelta(days=FIRST_VISIT_LATEST_DAYS),
        purpose="wound, pain (NRS), function (ODI/RDQ), start osteoporosis care",
        citations=(ref("6", URL_PATHWAY), convention("target day 21")),
    )
    later = []
    for months in LATER_VISIT_MONTHS:
        target = add_months(procedure_day, months)
        tolerance = timedelta(days=LATER_VISIT_TOLERANCE_DAYS)
        later.append(VisitSlot(
            key=f"visit-{months}-months", label=f"Follow-up at {months} months",
            earliest=target - tolerance, target=target, latest=target + tolerance,
            purpose="pain (NRS), function (ODI/RDQ), new fractures, osteoporosis treatment",
            citations=(ref("6", URL_EVOLVE), convention("+/- 14 days")),
        ))  # fmt: skip
    return (first, *later)


def recovery_pathway(procedure_end: datetime) -> RecoveryPathway:
    """The whole pathway: timeline, follow-up visits and osteoporosis follow-through.

    Parameters
    ----------
    procedure_end
        When the procedure ended (local time); everything is timed from it.
    """
    return RecoveryPathway(
        procedure_end=procedure_end,
        timeline=recovery_timeline(procedure_end),
        visits=follow_up_visits(procedure_end.date()),
        osteoporosis=OSTEOPOROSIS_STEPS,
        osteoporosis_citations=OSTEOPOROSIS_CITATIONS,
    )
