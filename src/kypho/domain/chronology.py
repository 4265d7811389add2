"""Dates of a case that must add up: in range, after birth, follow-up after the procedure.

Each check names the field by its case-file path (``follow_up[1].date``), what was
expected and what was found. Conservative care or imaging dated before symptom onset
is not refused here: it is possible (care for an earlier episode, an older study) and
the rules say how such records are used.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from kypho.errors import InvalidInput

if TYPE_CHECKING:
    from kypho.domain.case import Case

# Project convention: far from any real clinical date, and far enough from
# date.max (9999-12-31) that adding years of follow-up can never overflow.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def clinical_events(case: Case) -> tuple[tuple[str, date], ...]:
    """(field path, date) of every clinical event that has happened by the time it is recorded.

    The planned procedure date and a course's planned end date are not events: they
    may lie ahead of the assessment date.
    """
    events: list[tuple[str, date | None]] = []
    events += [
        (f"fractures[{i}].symptom_onset_date", f.symptom_onset_date)
        for i, f in enumerate(case.fractures or ())
    ]
    events += [(f"imaging[{i}].date", s.study_date) for i, s in enumerate(case.imaging or ())]
    events += [(f"pain[{i}].date", p.assessed_on) for i, p in enumerate(case.pain or ())]
    events += [(f"function[{i}].date", s.assessed_on) for i, s in enumerate(case.function or ())]
    events += [
        (f"conservative_care[{i}].start_date", t.start_date)
        for i, t in enumerate(case.conservative_care or ())
    ]
    events += [(f"follow_up[{i}].date", v.visit_date) for i, v in enumerate(case.follow_up or ())]
    events += [
        (f"follow_up[{i}].new_fracture_events[{j}].date", e.diagnosed_on)
        for i, v in enumerate(case.follow_up or ())
        for j, e in enumerate(v.new_fracture_events or ())
    ]
    return tuple((path, day) for path, day in events if day is not None)


def _all_dates(case: Case) -> Iterable[tuple[str, date]]:
    if case.patient.birth_date is not None:
        yield "patient.birth_date", case.patient.birth_date
    yield from clinical_events(case)
    for i, t in enumerate(case.conservative_care or ()):
        if t.end_date is not None:
            yield f"conservative_care[{i}].end_date", t.end_date
    if case.procedure.procedure_date is not None:
        yield "procedure.date", case.procedure.procedure_date


def check_dates_in_range(case: Case) -> None:
    """Raise ``InvalidInput`` for a date outside [EARLIEST_DATE, LATEST_DATE]."""
    for path, day in _all_dates(case):
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise InvalidInput(
                f"{path}: expected a date from {EARLIEST_DATE} to {LATEST_DATE}, got {day}"
            )


def check_after_birth(case: Case) -> None:
    """Raise ``InvalidInput`` for a clinical event dated before the patient's birth."""
    born = case.patient.birth_date
    if born is None:
        return
    for path, day in clinical_events(case):
        if day < born:
            raise InvalidInput(
                f"{path}: expected a date on or after patient.birth_date {born}, got {day}"
            )


def check_follow_up_after_procedure(case: Case) -> None:
    """Raise ``InvalidInput`` for a follow-up visit on or before the procedure date.

    A visit on the procedure day itself is refused too: with dates only, it cannot be
    told apart from a pre-procedure assessment, and outcomes count days after.
    """
    done = case.procedure.procedure_date
    if done is None:
        return
    for i, visit in enumerate(case.follow_up or ()):
        if visit.visit_date <= done:
            raise InvalidInput(
                f"follow_up[{i}].date: expected a date after the procedure date "
                f"(procedure.date) {done}, got {visit.visit_date}"
            )
