"""Outcomes of a treated case as of a date: the case's chronology checked first."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.errors import InvalidInput
from kypho.pathway import OutcomeReport, evaluate_outcomes
from kypho.planning.dates import CASE_FILE_DATE, relied_imaging

OPTION = "--procedure-date"


def case_outcomes(case: Case, *, procedure_date: date | None, on: date) -> OutcomeReport:
    """Each follow-up visit against its baseline and the trials, as of ``on``.

    The procedure date is ``procedure_date`` or the case file's. Bad input (``InvalidInput``
    naming the option or field): no procedure date; one after ``on``, before a fracture's
    onset or before the latest imaging; any clinical event, follow-up visits included,
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
    study = relied_imaging(case, case.levels_under_review)
    if study is not None and study.study_date is not None and day < study.study_date:
        raise InvalidInput(
            f"{option}: expected a date on or after {study.label}, the latest imaging; got {day}"
        )
    return evaluate_outcomes(case, procedure_date=day)
