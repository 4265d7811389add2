"""Outcomes of a treated case as of a date: the case's chronology checked first."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.imaging import ImagingStudy
from kypho.errors import InvalidInput
from kypho.pathway import OutcomeReport, evaluate_outcomes
from kypho.planning.dates import CASE_FILE_DATE


def first_imaging(case: Case) -> ImagingStudy | None:
    """The earliest dated study with a finding at a level under review (else the earliest).

    Imaging after the procedure (a follow-up CT) is part of a treated case; only a
    procedure that comes before every study is impossible.
    """
    levels = case.levels_under_review
    dated = [s for s in case.imaging or () if s.study_date is not None]
    at_levels = [s for s in dated if any(s.finding(lv) is not None for lv in levels)]
    pool = at_levels or dated
    return min(pool, key=lambda s: s.study_date or date.max) if pool else None


OPTION = "--procedure-date"


def case_outcomes(case: Case, *, procedure_date: date | None, on: date) -> OutcomeReport:
    """Each follow-up visit against its baseline and the trials, as of ``on``.

    The procedure date is ``procedure_date`` or the case file's. Bad input (``InvalidInput``
    naming the option or field): no procedure date; one after ``on``, before a fracture's
    onset or before the earliest imaging; any clinical event, follow-up visits included,
    after ``on``.
    """
    case.check_not_after(on)
    in_file = f"{case.source}: procedure.date" if case.source else CASE_FILE_DATE
    option = OPTION if procedure_date is not None else in_file
    day = procedure_date or case.procedure.procedure_date
    if day is None:
        raise InvalidInput(
            f"{case.source or 'outcomes'}: expected a procedure date (--procedure-date or "
            "procedure.date in the case file); got neither"
        )
    if day > on:
        raise InvalidInput(f"{option}: expected a date on or before --on ({on}); got {day}")
    for fracture in case.fractures or ():
        onset = fracture.symptom_onset_date
        if onset is not None and day < onset:
            raise InvalidInput(
                f"{option}: expected a date on or after the symptom onset at {fracture.level} "
                f"({onset}); got {day}"
            )
    study = first_imaging(case)
    if study is not None and study.study_date is not None and day < study.study_date:
        raise InvalidInput(
            f"{option}: expected a date on or after {study.label}, the earliest imaging "
            f"(a treated fracture was imaged before its procedure); got {day}"
        )
    return evaluate_outcomes(case, procedure_date=day)
