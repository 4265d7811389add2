"""Outcomes at matching time points, against a named baseline, MCID and trial figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from kypho.domain import (
    Case,
    FollowUpVisit,
    FunctionInstrument,
    FunctionScore,
    Level,
    PainAssessment,
)
from kypho.errors import InvalidInput
from kypho.pathway import MCID_TABLE, Measure, baseline, evaluate_outcomes
from kypho.pathway.benchmarks import (
    ONE_MONTH,
    ONE_WEEK,
    SIX_MONTHS,
    TIME_POINTS,
    TWENTY_FOUR_MONTHS,
    match_time_point,
)
from kypho.pathway.outcomes import AlertKind
from kypho.rules.types import Outcome

PROCEDURE = date(2026, 3, 10)


def _case(*visits: FollowUpVisit) -> Case:
    return Case(
        case_id="EX-002",
        pain=(
            PainAssessment(score=7, assessed_on=date(2026, 2, 1)),
            PainAssessment(score=9, assessed_on=date(2026, 3, 10)),  # baseline: on the day
            PainAssessment(score=3, assessed_on=date(2026, 3, 20)),  # after: not baseline
        ),
        function=(
            FunctionScore(
                instrument=FunctionInstrument.ODI, score=64, assessed_on=date(2026, 3, 1)
            ),
            FunctionScore(
                instrument=FunctionInstrument.RDQ, score=18, assessed_on=date(2026, 3, 1)
            ),
        ),
        follow_up=visits,
    )


def _visit(day: date, **values: Any) -> FollowUpVisit:
    return FollowUpVisit(visit_date=day, **values)


def test_baseline_is_named_measure_date_and_record() -> None:
    base = {b.measure: b for b in baseline(_case(), procedure_date=PROCEDURE)}
    nrs = base[Measure.NRS]
    assert (nrs.points, nrs.assessed_on, nrs.source) == (9, PROCEDURE, "pain[1]")
    assert nrs.note == "NRS 9 on 2026-03-10 (pain[1])"
    assert (base[Measure.ODI].points, base[Measure.ODI].source) == (64, "function[0]")
    assert (base[Measure.RDQ].points, base[Measure.RDQ].source) == (18, "function[1]")


def test_missing_baseline_is_named_missing_never_zero() -> None:
    case = Case(
        case_id="x",
        pain=(PainAssessment(score=8), PainAssessment(score=6, assessed_on=date(2026, 3, 11))),
        follow_up=(_visit(date(2026, 4, 10), nrs=2, new_fractures=(Level.L2,)),),
    )
    report = evaluate_outcomes(case, procedure_date=PROCEDURE)
    nrs_base = report.baseline[0]
    assert (nrs_base.points, nrs_base.source) == (None, None)
    assert nrs_base.note == (
        "missing: no NRS assessment dated on or before the procedure date 2026-03-10 "
        "(1 undated record not used)"
    )
    change = report.visits[0].changes[0]
    assert change.improvement_points is None and change.reaches_mcid is Outcome.UNKNOWN
    assert change.note.startswith("no baseline (missing: no NRS assessment")
    assert report.visits[0].new_fractures == "L2"
    assert report.baseline[1].note.endswith("procedure date 2026-03-10")  # ODI: no records


def test_visit_at_one_month_is_compared_with_one_month_figures_only() -> None:
    visits = (
        _visit(date(2026, 4, 7), nrs=4, odi_pct=40, rdq=15, new_fractures=(),
               complications=()),
        _visit(date(2026, 6, 10), nrs=2, odi_pct=20),
    )  # fmt: skip
    report = evaluate_outcomes(_case(*reversed(visits)), procedure_date=PROCEDURE)
    first, second = report.visits
    assert (first.days_after, second.days_after) == (28, 92)
    assert first.time_point == ONE_MONTH
    assert first.time_point_note == "compared at 1 month (window 2026-03-27 to 2026-04-24)"
    nrs, odi, rdq = first.changes
    assert nrs.improvement_points == 5 and nrs.reaches_mcid is Outcome.MET
    assert nrs.note == (
        "below EVOLVE's mean improvement of 5.4 at 1 month; at or above VERTOS II "
        "conservative arm's mean improvement of 2.7 at 1 month"
    )
    assert (
        odi.improvement_points == 24
        and odi.note == "below EVOLVE's mean improvement of 30.5 at 1 month"
    )
    assert rdq.improvement_points == 3 and rdq.reaches_mcid is Outcome.NOT_MET
    assert "no published RDQ figure" in rdq.note
    nrs2, odi2, rdq2 = second.changes
    assert (
        nrs2.note == "at or above EVOLVE's mean improvement of 6 at 3 months"
    )  # VERTOS II has no 3 months
    assert odi2.improvement_points == 44
    assert (rdq2.reaches_mcid, rdq2.note) == (Outcome.UNKNOWN, "not measured at this visit")
    assert second.new_fractures == "not recorded"
    assert report.alerts == ()


def test_day_14_visit_matches_no_trial_time_point() -> None:
    report = evaluate_outcomes(
        _case(_visit(PROCEDURE + timedelta(days=14), nrs=3, odi_pct=30)),
        procedure_date=PROCEDURE,
    )
    visit = report.visits[0]
    assert visit.time_point is None
    assert visit.time_point_note.startswith("no trial time point: day 14 lies outside every")
    assert "1 week 2026-03-14 to 2026-03-20; 1 month 2026-03-27 to 2026-04-24" in (
        visit.time_point_note
    )
    nrs, odi, _ = visit.changes
    assert nrs.benchmarks == () and odi.benchmarks == ()
    assert nrs.note == "no trial figure: the visit matches no trial time point"
    assert nrs.reaches_mcid is Outcome.MET  # MCID still holds: it needs no time point


def test_one_week_visit_has_pain_figure_but_no_odi_figure() -> None:
    visit = evaluate_outcomes(
        _case(_visit(PROCEDURE + timedelta(days=7), nrs=3, odi_pct=50)),
        procedure_date=PROCEDURE,
    ).visits[0]
    nrs, odi, _ = visit.changes
    assert visit.time_point == ONE_WEEK
    assert nrs.note == "at or above EVOLVE's mean improvement of 5.2 at 1 week"
    assert odi.note == "no published ODI figure at 1 week in our sources"


@pytest.mark.parametrize(
    ("days_after", "label"),
    [(3, None), (4, "1 week"), (10, "1 week"), (11, None), (16, None), (17, "1 month"),
     (45, "1 month"), (46, None), (169, None), (170, "6 months"), (181, "6 months"),
     (198, "6 months"), (199, None)],
)  # fmt: skip
def test_time_point_windows_on_both_sides(days_after: int, label: str | None) -> None:
    # 1 month after 2026-03-10 is 2026-04-10 (day 31): window days 17-45.
    # 6 months after is 2026-09-10 (day 184): window days 170-198.
    found = match_time_point(PROCEDURE + timedelta(days=days_after), procedure_date=PROCEDURE)
    assert (found.label if found else None) == label


def test_day_181_is_a_six_month_visit_with_no_vertos_figure() -> None:
    visit = evaluate_outcomes(
        _case(_visit(PROCEDURE + timedelta(days=181), nrs=2)), procedure_date=PROCEDURE
    ).visits[0]
    assert visit.time_point == SIX_MONTHS
    assert visit.changes[0].note == "at or above EVOLVE's mean improvement of 6.2 at 6 months"
    assert [b.trial for b in visit.changes[0].benchmarks] == ["EVOLVE"]


def test_twenty_four_months_has_no_figure_and_says_so() -> None:
    day = date(2028, 3, 10)
    visit = evaluate_outcomes(_case(_visit(day, nrs=2)), procedure_date=PROCEDURE).visits[0]
    assert visit.time_point == TWENTY_FOUR_MONTHS
    assert visit.changes[0].note == "no published NRS figure at 24 months in our sources"


def test_new_fracture_and_returning_pain_raise_alerts() -> None:
    # The example: pain falls to 2, then returns to 6 with a new T12 fracture.
    report = evaluate_outcomes(
        _case(
            _visit(date(2026, 4, 7), nrs=2, new_fractures=()),
            _visit(date(2026, 9, 7), nrs=6, new_fractures=(Level.T12,),
                   complications=("cement leak",)),
        ),
        procedure_date=PROCEDURE,
    )  # fmt: skip
    assert [(a.kind, a.days_after) for a in report.alerts] == [
        (AlertKind.NEW_FRACTURE, 181),
        (AlertKind.COMPLICATION, 181),
        (AlertKind.PAIN_RISING, 181),
    ]
    assert report.alerts[0].text == (
        "new fracture at T12 recorded at the visit of 2026-09-07 (day 181)"
    )
    assert report.alerts[1].text.endswith(": cement leak")
    assert report.alerts[2].text == (
        "NRS 6 at the visit of 2026-09-07 (day 181) has risen by 4 since 2 at an earlier "
        "visit: recurrent pain"
    )


@pytest.mark.parametrize(("nrs", "alert"), [(8, False), (9, True), (10, True)])
def test_pain_back_to_baseline_alerts_on_both_sides(nrs: float, alert: bool) -> None:
    report = evaluate_outcomes(_case(_visit(date(2026, 4, 7), nrs=nrs)), procedure_date=PROCEDURE)
    kinds = [a.kind for a in report.alerts]
    assert (AlertKind.BACK_TO_BASELINE in kinds) is alert
    if alert:
        assert report.alerts[0].text == (
            f"NRS {nrs:g} at the visit of 2026-04-07 (day 28) is back to or above its baseline 9"
        )


@pytest.mark.parametrize(("second_nrs", "alert"), [(4.9, False), (5, True)])
def test_pain_rising_alert_threshold_on_both_sides(second_nrs: float, alert: bool) -> None:
    report = evaluate_outcomes(
        _case(_visit(date(2026, 4, 7), nrs=3), _visit(date(2026, 6, 10), nrs=second_nrs)),
        procedure_date=PROCEDURE,
    )
    assert [a.kind for a in report.alerts] == ([AlertKind.PAIN_RISING] if alert else [])


def test_pain_back_to_baseline_is_not_also_reported_as_rising() -> None:
    report = evaluate_outcomes(
        _case(_visit(date(2026, 4, 7), nrs=2), _visit(date(2026, 6, 10), nrs=9)),
        procedure_date=PROCEDURE,
    )
    assert [a.kind for a in report.alerts] == [AlertKind.BACK_TO_BASELINE]


def test_visit_on_or_before_the_procedure_is_invalid_input() -> None:
    for day in (date(2026, 3, 1), PROCEDURE):
        case = _case(_visit(date(2026, 4, 7)), _visit(day, nrs=5))
        with pytest.raises(InvalidInput, match=r"follow_up\[1\].date: expected a date after"):
            evaluate_outcomes(case, procedure_date=PROCEDURE)
    ok = evaluate_outcomes(_case(_visit(PROCEDURE + timedelta(days=1))), procedure_date=PROCEDURE)
    assert ok.visits[0].time_point is None  # day 1 is before every window


def test_windows_do_not_overlap() -> None:
    spans = [tp.window(PROCEDURE) for tp in TIME_POINTS]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_mcid_table_is_marked_as_convention() -> None:
    assert set(MCID_TABLE) == set(Measure)
    assert all("needs clinical confirmation" in m.citation.source for m in MCID_TABLE.values())
