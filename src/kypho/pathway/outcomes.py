"""Outcomes at each follow-up visit: change from baseline, MCID, published benchmarks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kypho.domain.case import Case
from kypho.domain.symptoms import FunctionInstrument
from kypho.errors import InvalidInput
from kypho.pathway.benchmarks import (
    MCID_TABLE,
    NO_FIGURE_NOTES,
    Benchmark,
    Measure,
    nearest_benchmarks,
)
from kypho.rules.types import Outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineValue:
    measure: Measure
    points: float | None  # None: no assessment on or before the procedure date
    assessed_on: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureChange:
    """One measure at one visit; improvement = baseline - visit (a fall is better)."""

    measure: Measure
    baseline_points: float | None
    visit_points: float | None
    improvement_points: float | None
    mcid_points: float
    reaches_mcid: Outcome  # UNKNOWN when either value is missing
    benchmarks: tuple[Benchmark, ...]
    note: str  # benchmark comparison in words, or why there is none


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitOutcome:
    visit_date: date
    days_after: int
    changes: tuple[MeasureChange, ...]
    new_fractures: str
    complications: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeReport:
    procedure_date: date
    baseline: tuple[BaselineValue, ...]
    visits: tuple[VisitOutcome, ...]


def _last_on_or_before(
    dated: Iterable[tuple[date | None, float]], day: date
) -> tuple[float | None, date | None]:
    eligible = [(d, v) for d, v in dated if d is not None and d <= day]
    if not eligible:
        return None, None
    d, v = max(eligible, key=lambda dv: dv[0])
    return v, d


def baseline(case: Case, *, procedure_date: date) -> tuple[BaselineValue, ...]:
    """The last pain and function assessment on or before the procedure date."""
    pain = ((p.assessed_on, p.score) for p in case.pain or ())
    rows = [(Measure.NRS, _last_on_or_before(pain, procedure_date))]
    for instrument, measure in ((FunctionInstrument.ODI, Measure.ODI),
                                (FunctionInstrument.RDQ, Measure.RDQ)):  # fmt: skip
        scores = (
            (f.assessed_on, f.score) for f in case.function or () if f.instrument is instrument
        )
        rows.append((measure, _last_on_or_before(scores, procedure_date)))
    return tuple(BaselineValue(measure=m, points=v, assessed_on=d) for m, (v, d) in rows)


def _note(measure: Measure, improvement: float | None, benchmarks: tuple[Benchmark, ...]) -> str:
    if measure in NO_FIGURE_NOTES:
        return NO_FIGURE_NOTES[measure][0]
    if improvement is None:
        return "not recorded"
    parts = []
    for b in benchmarks:
        side = "at or above" if improvement >= b.improvement_points else "below"
        parts.append(f"{side} {b.trial} mean {b.improvement_points:g} at {b.label}")
    return "; ".join(parts)


def measure_change(
    base: BaselineValue, visit_points: float | None, days_after: int
) -> MeasureChange:
    """Compare one measure at one visit with its baseline, its MCID and the benchmarks."""
    mcid = MCID_TABLE[base.measure].improvement_points
    improvement = None
    reaches = Outcome.UNKNOWN
    if base.points is not None and visit_points is not None:
        improvement = base.points - visit_points
        reaches = Outcome.MET if improvement >= mcid else Outcome.NOT_MET
    benchmarks = nearest_benchmarks(base.measure, days_after)
    return MeasureChange(
        measure=base.measure, baseline_points=base.points, visit_points=visit_points,
        improvement_points=improvement, mcid_points=mcid, reaches_mcid=reaches,
        benchmarks=benchmarks, note=_note(base.measure, improvement, benchmarks),
    )  # fmt: skip


def _listed(values: tuple[str, ...] | None) -> str:
    if values is None:
        return "not recorded"
    return ", ".join(values) if values else "none"


def evaluate_outcomes(case: Case, *, procedure_date: date) -> OutcomeReport:
    """Every follow-up visit against baseline, MCID and published results.

    Raises
    ------
    InvalidInput
        When a follow-up visit is dated on or before the procedure date.
    """
    base = baseline(case, procedure_date=procedure_date)
    visits = []
    for visit in sorted(case.follow_up or (), key=lambda v: v.visit_date):
        days_after = (visit.visit_date - procedure_date).days
        if days_after <= 0:
            raise InvalidInput(
                f"follow_up {visit.visit_date}: expected a date after the procedure date "
                f"{procedure_date}, got {visit.visit_date}; check both dates"
            )
        values = {Measure.NRS: visit.nrs, Measure.ODI: visit.odi_pct,
                  Measure.RDQ: None if visit.rdq is None else float(visit.rdq)}  # fmt: skip
        visits.append(VisitOutcome(
            visit_date=visit.visit_date, days_after=days_after,
            changes=tuple(measure_change(b, values[b.measure], days_after) for b in base),
            new_fractures=_listed(None if visit.new_fractures is None
                                  else tuple(str(lv) for lv in visit.new_fractures)),
            complications=_listed(visit.complications),
        ))  # fmt: skip
    return OutcomeReport(procedure_date=procedure_date, baseline=base, visits=tuple(visits))
