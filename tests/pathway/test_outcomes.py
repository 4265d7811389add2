"""Outcomes against baseline, MCID and EVOLVE, from follow-up records."""

from __future__ import annotations

from datetime import date

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


def test_baseline_is_last_on_or_before_procedure() -> None:
    base = {b.measure: b for b in baseline(_case(), procedure_date=PROCEDURE)}
    assert (base[Measure.NRS].points, base[Measure.NRS].assessed_on) == (9, PROCEDURE)
    assert base[Measure.ODI].points == 64
    assert base[Measure.RDQ].points == 18


def test_visit_changes_mcid_and_evolve() -> None:
    visits = (
        FollowUpVisit(visit_date=date(2026, 4, 7), nrs=4, odi_pct=40, rdq=15,
                      new_fractures=(), complications=("hematoma",)),
        FollowUpVisit(visit_date=date(2026, 6, 10), nrs=2, odi_pct=20),
    )  # fmt: skip
    report = evaluate_outcomes(_case(*reversed(visits)), procedure_date=PROCEDURE)
    first, second = report.visits
    assert (first.days_after, second.days_after) == (28, 92)
    nrs, odi, rdq = first.changes
    assert nrs.improvement_points == 5 and nrs.reaches_mcid is Outcome.MET
    assert "below EVOLVE mean 5.4 at 1 month" in nrs.note
    assert "at or above VERTOS II conservative arm mean 2.7 at 1 month" in nrs.note
    assert odi.improvement_points == 24 and odi.reaches_mcid is Outcome.MET
    assert "below EVOLVE mean 30.5 at 1 month" in odi.note
    assert rdq.improvement_points == 3 and rdq.reaches_mcid is Outcome.NOT_MET
    assert "no published RDQ figure" in rdq.note
    assert (first.new_fractures, first.complications) == ("none", "hematoma")
    nrs2, odi2, rdq2 = second.changes
    assert "at or above EVOLVE mean 6 at 3 months" in nrs2.note
    assert odi2.improvement_points == 44
    assert rdq2.reaches_mcid is Outcome.UNKNOWN
    assert second.new_fractures == "not recorded"


def test_missing_baseline_gives_unknown() -> None:
    case = Case(case_id="x", follow_up=(FollowUpVisit(visit_date=date(2026, 4, 1), nrs=2,
                                                      new_fractures=(Level.L2,)),))  # fmt: skip
    visit = evaluate_outcomes(case, procedure_date=PROCEDURE).visits[0]
    assert visit.changes[0].reaches_mcid is Outcome.UNKNOWN
    assert visit.changes[0].note == "not recorded"
    assert visit.new_fractures == "L2"


def test_visit_before_procedure_is_invalid_input() -> None:
    case = _case(FollowUpVisit(visit_date=date(2026, 3, 1), nrs=5))
    with pytest.raises(InvalidInput, match="expected a date after the procedure date"):
        evaluate_outcomes(case, procedure_date=PROCEDURE)


def test_mcid_table_is_marked_as_convention() -> None:
    assert set(MCID_TABLE) == set(Measure)
    assert all("needs clinical confirmation" in m.citation.source for m in MCID_TABLE.values())
