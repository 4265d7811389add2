"""Procedure dates: bad input before onset, imaging or --on; window failures named exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kypho.domain import ImagingStudy, Level, LevelFinding, Modality, PlannedProcedure
from kypho.errors import InvalidInput
from kypho.planning import build_plan
from kypho.rules.types import ProcedureWindow, WindowConstraint
from planning.conftest import IMAGING_DAY, ON, ONSET, WINDOW, make_assessment, make_case

EARLY = date(2026, 1, 1)  # an assessment date before every clinical event of the case


def early_assessment():
    return replace(make_assessment(window=None), on=EARLY)


@pytest.mark.parametrize(
    ("day", "ok"), [(date(2026, 1, 31), False), (ONSET, True), (date(2026, 2, 2), True)]
)
def test_procedure_date_against_symptom_onset(day, ok) -> None:
    case = replace(make_case(), imaging=None)
    if ok:
        assert build_plan(case, early_assessment(), procedure_date=day).procedure_date == day
        return
    with pytest.raises(InvalidInput) as err:
        build_plan(case, early_assessment(), procedure_date=day)
    assert str(err.value) == (
        "--procedure-date: expected a procedure date on or after the symptom onset at T12 "
        "(2026-02-01); got 2026-01-31"
    )


@pytest.mark.parametrize(
    ("day", "ok"), [(date(2026, 2, 19), False), (IMAGING_DAY, True), (date(2026, 2, 21), True)]
)
def test_procedure_date_against_the_latest_imaging(day, ok) -> None:
    if ok:
        assert not build_plan(make_case(), early_assessment(), procedure_date=day).refused
        return
    with pytest.raises(InvalidInput) as err:
        build_plan(make_case(), early_assessment(), procedure_date=day)
    assert str(err.value) == (
        "--procedure-date: expected a procedure date on or after MRI 2026-02-20, the latest "
        "imaging the plan relies on; got 2026-02-19"
    )


def test_a_later_study_of_another_level_is_not_relied_on() -> None:
    other = ImagingStudy(
        modality=Modality.CT,
        study_date=date(2026, 2, 28),
        findings=(LevelFinding(level=Level.L4, height_loss_pct=10.0),),
    )
    case = replace(make_case(), imaging=(*make_case().imaging, other))  # type: ignore[misc]
    plan = build_plan(case, early_assessment(), procedure_date=date(2026, 2, 25))
    assert plan.procedure_date == date(2026, 2, 25)


@pytest.mark.parametrize(
    ("day", "ok"), [(date(2026, 3, 1), False), (ON, True), (date(2026, 3, 3), True)]
)
def test_procedure_date_against_the_assessment_date(day, ok) -> None:
    if ok:
        assert build_plan(make_case(), make_assessment(), procedure_date=day).warnings == ()
        return
    with pytest.raises(InvalidInput) as err:
        build_plan(make_case(), make_assessment(), procedure_date=day)
    assert str(err.value) == (
        "--procedure-date: expected a procedure date on or after the assessment date "
        "2026-03-02 (--on); got 2026-03-01"
    )


def test_a_date_from_the_case_file_is_named_as_such() -> None:
    case = replace(make_case(), procedure=PlannedProcedure(procedure_date=date(2026, 3, 1)))
    with pytest.raises(InvalidInput, match=r"^procedure\.procedure_date \(case file\): "):
        build_plan(case, make_assessment())


def test_the_caller_names_its_own_option() -> None:
    with pytest.raises(InvalidInput, match="^procedure_date: expected"):
        build_plan(
            make_case(),
            make_assessment(),
            procedure_date=date(2026, 3, 1),
            date_option="procedure_date",
        )


@pytest.mark.parametrize(
    ("day", "warning"),
    [
        (date(2026, 3, 27), None),
        (
            date(2026, 3, 28),
            "procedure date 2026-03-28 is outside the window 2026-03-02 to 2026-03-27: Imaging "
            "within 30 days: no longer holds on 2026-03-28 (held until 2026-03-27); repeat imaging",
        ),
    ],
)
def test_no_longer_holds_the_day_after_the_window(day, warning) -> None:
    plan = build_plan(make_case(), make_assessment(), procedure_date=day)
    assert plan.warnings == (() if warning is None else (warning,))


HOLDS_LATER = WindowConstraint(
    criterion_id="care-2-weeks",
    text="Conservative care for 2 weeks",
    earliest=date(2026, 3, 10),
    latest=None,
    redo_after="",
)


@pytest.mark.parametrize(
    ("day", "warning"),
    [
        (
            date(2026, 3, 9),
            "procedure date 2026-03-09 is outside the window 2026-03-10 to open: Conservative "
            "care for 2 weeks: not yet held on 2026-03-09 (holds from 2026-03-10)",
        ),
        (date(2026, 3, 10), None),
        (date(2026, 3, 11), None),
    ],
)
def test_not_yet_held_the_day_before_a_criterion_starts(day, warning) -> None:
    window = ProcedureWindow(
        on=ON, earliest=date(2026, 3, 10), latest=None, constraints=(HOLDS_LATER,)
    )
    plan = build_plan(make_case(), make_assessment(window=window), procedure_date=day)
    assert plan.warnings == (() if warning is None else (warning,))


def test_only_the_failing_criterion_is_named() -> None:
    window = replace(
        WINDOW, earliest=date(2026, 3, 10), constraints=(*WINDOW.constraints, HOLDS_LATER)
    )
    plan = build_plan(make_case(), make_assessment(window=window), procedure_date=date(2026, 3, 9))
    (warning,) = plan.warnings
    assert "Conservative care for 2 weeks: not yet held" in warning
    assert "Imaging within 30 days" not in warning


def test_a_window_that_ended_before_the_assessment_date_is_closed() -> None:
    ended = WindowConstraint(
        criterion_id="within-12-weeks",
        text="Fracture under 12 weeks old",
        earliest=None,
        latest=date(2026, 2, 27),
        redo_after="none",
    )
    window = ProcedureWindow(on=ON, earliest=ON, latest=date(2026, 2, 27), constraints=(ended,))
    plan = build_plan(make_case(), make_assessment(window=window), procedure_date=ON)
    assert plan.warnings == (
        "the procedure window is closed: it ended on 2026-02-27, before the assessment date "
        "2026-03-02 (Fracture under 12 weeks old holds from any date to 2026-02-27)",
    )


def test_a_window_whose_criteria_do_not_overlap_is_closed() -> None:
    early = WindowConstraint(
        criterion_id="imaging-recent",
        text="Imaging within 30 days",
        earliest=None,
        latest=date(2026, 3, 5),
        redo_after="repeat imaging",
    )
    window = ProcedureWindow(
        on=ON, earliest=date(2026, 3, 10), latest=date(2026, 3, 5), constraints=(early, HOLDS_LATER)
    )
    plan = build_plan(make_case(), make_assessment(window=window))
    assert plan.warnings == (
        "the procedure window is closed: no date meets every timing criterion (Imaging within 30 "
        "days holds from any date to 2026-03-05; Conservative care for 2 weeks holds from "
        "2026-03-10 to any date)",
    )
