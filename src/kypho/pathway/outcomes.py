"""Outcomes at each follow-up visit: change from a named baseline, MCID, trial figures, alerts.

Each visit is matched to the trial time point whose window holds it (benchmarks.py)
and compared only with the figures published for that time point. The baseline is
named (measure, date, record) or named as missing. Alerts say what needs a clinician:
a new fracture, a complication, a measure back to or above its baseline, pain rising
again since an earlier visit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain.care import FollowUpVisit
from kypho.domain.case import Case
from kypho.domain.symptoms import FunctionInstrument
from kypho.errors import InvalidInput
from kypho.pathway.benchmarks import (
    MCID_TABLE,
    NO_FIGURE_NOTES,
    TIME_POINTS,
    Benchmark,
    Measure,
    TimePoint,
    benchmarks_at,
    match_time_point,
)
from kypho.rules.types import Outcome

# Project convention: a rise in NRS of at least the NRS MCID (2 points, itself a
# project convention) since the lowest earlier visit is recurrent pain worth an alert.
PAIN_RISE_ALERT_POINTS = MCID_TABLE[Measure.NRS].improvement_points


class AlertKind(StrEnum):
    NEW_FRACTURE = "new_fracture"
    COMPLICATION = "complication"
    BACK_TO_BASELINE = "back_to_baseline"  # a measure at or above (no better than) baseline
    PAIN_RISING = "pain_rising"  # NRS up by PAIN_RISE_ALERT_POINTS or more since a visit


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeAlert:
    kind: AlertKind
    visit_date: date
    days_after: int
    text: str  # one sentence a clinician reads


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineValue:
    """The last assessment of a measure on or before the procedure date, or none."""

    measure: Measure
    points: float | None  # None: missing (never taken as zero)
    assessed_on: date | None
    source: str | None  # the record used, by its case-file path: "pain[1]"
    note: str  # "NRS 9 on 2026-03-10 (pain[1])" or why it is missing


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureChange:
    """One measure at one visit; improvement = baseline - visit (a fall is better)."""

    measure: Measure
    baseline_points: float | None
    visit_points: float | None
    improvement_points: float | None
    mcid_points: float
    reaches_mcid: Outcome  # UNKNOWN when either value is missing
    benchmarks: tuple[Benchmark, ...]  # the figures at the visit's time point only
    note: str  # benchmark comparison in words, or why there is none


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitOutcome:
    visit_date: date
    days_after: int
    time_point: TimePoint | None  # None: the visit lies outside every trial window
    time_point_note: str
    changes: tuple[MeasureChange, ...]
    new_fractures: str
    complications: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeReport:
    procedure_date: date
    baseline: tuple[BaselineValue, ...]
    visits: tuple[VisitOutcome, ...]
    alerts: tuple[OutcomeAlert, ...]  # in visit order; empty when there is nothing to flag


_Dated = tuple[str, date | None, float]  # (record path, date, value)


def _baseline_of(measure: Measure, records: Iterable[_Dated], day: date) -> BaselineValue:
    rows = list(records)
    eligible = [(path, d, v) for path, d, v in rows if d is not None and d <= day]
    if eligible:
        path, when, value = max(eligible, key=lambda r: r[1] or day)
        note = f"{measure} {value:g} on {when} ({path})"
        return BaselineValue(measure=measure, points=value, assessed_on=when, source=path,
                             note=note)  # fmt: skip
    undated = sum(d is None for _, d, _ in rows)
    note = f"missing: no {measure} assessment dated on or before the procedure date {day}"
    if undated:
        note += f" ({undated} undated record{'s' if undated > 1 else ''} not used)"
    return BaselineValue(measure=measure, points=None, assessed_on=None, source=None, note=note)


def baseline(case: Case, *, procedure_date: date) -> tuple[BaselineValue, ...]:
    """The last pain and function assessment on or before the procedure date, each named."""
    pain = ((f"pain[{i}]", p.assessed_on, p.score) for i, p in enumerate(case.pain or ()))
    rows = [_baseline_of(Measure.NRS, pain, procedure_date)]
    for instrument, measure in ((FunctionInstrument.ODI, Measure.ODI),
                                (FunctionInstrument.RDQ, Measure.RDQ)):  # fmt: skip
        scores = (
            (f"function[{i}]", f.assessed_on, f.score)
            for i, f in enumerate(case.function or ())
            if f.instrument is instrument
        )
        rows.append(_baseline_of(measure, scores, procedure_date))
    return tuple(rows)


def _note(
    base: BaselineValue,
    visit_points: float | None,
    time_point: TimePoint | None,
    benchmarks: tuple[Benchmark, ...],
) -> str:
    if base.points is None:
        return f"no baseline ({base.note})"
    if visit_points is None:
        return "not measured at this visit"
    if base.measure in NO_FIGURE_NOTES:
        return NO_FIGURE_NOTES[base.measure][0]
    if time_point is None:
        return "no trial figure: the visit matches no trial time point"
    if not benchmarks:
        return f"no published {base.measure} figure at {time_point.label} in our sources"
    improvement = base.points - visit_points
    return "; ".join(
        f"{'at or above' if improvement >= b.improvement_points else 'below'} {b.trial}'s "
        f"mean improvement of {b.improvement_points:g} at {time_point.label}"
        for b in benchmarks
    )


def measure_change(
    base: BaselineValue, visit_points: float | None, time_point: TimePoint | None
) -> MeasureChange:
    """Compare one measure at one visit with its baseline, its MCID and the time point's figures."""
    mcid = MCID_TABLE[base.measure].improvement_points
    improvement = None
    reaches = Outcome.UNKNOWN
    if base.points is not None and visit_points is not None:
        improvement = base.points - visit_points
        reaches = Outcome.MET if improvement >= mcid else Outcome.NOT_MET
    benchmarks = () if time_point is None else benchmarks_at(base.measure, time_point)
    return MeasureChange(
        measure=base.measure, baseline_points=base.points, visit_points=visit_points,
        improvement_points=improvement, mcid_points=mcid, reaches_mcid=reaches,
        benchmarks=benchmarks, note=_note(base, visit_points, time_point, benchmarks),
    )  # fmt: skip


def time_point_note(days_after: int, time_point: TimePoint | None, procedure_date: date) -> str:
    """Which trial time point a visit is compared at, or why at none."""
    if time_point is not None:
        first, last = time_point.window(procedure_date)
        return f"compared at {time_point.label} (window {first} to {last})"
    windows = "; ".join(
        f"{tp.label} {tp.window(procedure_date)[0]} to {tp.window(procedure_date)[1]}"
        for tp in TIME_POINTS
    )
    return f"no trial time point: day {days_after} lies outside every window ({windows})"


def _listed(values: tuple[str, ...] | None) -> str:
    if values is None:
        return "not recorded"
    return ", ".join(values) if values else "none"


def _visit_values(visit: FollowUpVisit) -> dict[Measure, float | None]:
    return {Measure.NRS: visit.nrs, Measure.ODI: visit.odi_pct,
            Measure.RDQ: None if visit.rdq is None else float(visit.rdq)}  # fmt: skip


def _visit_outcome(
    visit: FollowUpVisit, base: tuple[BaselineValue, ...], procedure_date: date
) -> VisitOutcome:
    days_after = (visit.visit_date - procedure_date).days
    time_point = match_time_point(visit.visit_date, procedure_date=procedure_date)
    values = _visit_values(visit)
    return VisitOutcome(
        visit_date=visit.visit_date, days_after=days_after, time_point=time_point,
        time_point_note=time_point_note(days_after, time_point, procedure_date),
        changes=tuple(measure_change(b, values[b.measure], time_point) for b in base),
        new_fractures=_listed(None if visit.new_fractures is None
                              else tuple(str(lv) for lv in visit.new_fractures)),
        complications=_listed(visit.complications),
    )  # fmt: skip


def _check_after_procedure(case: Case, procedure_date: date) -> None:
    for i, visit in enumerate(case.follow_up or ()):
        if visit.visit_date <= procedure_date:
            raise InvalidInput(
                f"follow_up[{i}].date: expected a date after the procedure date "
                f"{procedure_date}, got {visit.visit_date}; check both dates"
            )


def _at(v: VisitOutcome) -> str:
    return f"at the visit of {v.visit_date} (day {v.days_after})"


def _alerts_at(
    visit: FollowUpVisit, outcome: VisitOutcome, lowest_nrs: float | None
) -> list[OutcomeAlert]:
    """The alerts of one visit; ``lowest_nrs`` is the lowest NRS at earlier visits."""
    found: list[tuple[AlertKind, str]] = []
    if visit.new_fractures:
        levels = ", ".join(str(lv) for lv in visit.new_fractures)
        found.append((AlertKind.NEW_FRACTURE, f"new fracture at {levels} recorded {_at(outcome)}"))
    if visit.complications:
        found.append((AlertKind.COMPLICATION, f"complication recorded {_at(outcome)}: "
                      f"{', '.join(visit.complications)}"))  # fmt: skip
    worse = [c for c in outcome.changes if c.improvement_points is not None
             and c.improvement_points <= 0]  # fmt: skip
    found += [
        (AlertKind.BACK_TO_BASELINE, f"{c.measure} {c.visit_points:g} {_at(outcome)} is back "
         f"to or above its baseline {c.baseline_points:g}")
        for c in worse
    ]  # fmt: skip
    nrs = visit.nrs
    rise = None if nrs is None or lowest_nrs is None else nrs - lowest_nrs
    if (
        rise is not None
        and rise >= PAIN_RISE_ALERT_POINTS
        and all(c.measure is not Measure.NRS for c in worse)
    ):
        found.append((AlertKind.PAIN_RISING, f"NRS {nrs:g} {_at(outcome)} has risen by {rise:g} "
                      f"since {lowest_nrs:g} at an earlier visit: recurrent pain"))  # fmt: skip
    return [OutcomeAlert(kind=kind, visit_date=outcome.visit_date, days_after=outcome.days_after,
                         text=text) for kind, text in found]  # fmt: skip


def visit_alerts(
    visits: Iterable[FollowUpVisit], outcomes: Iterable[VisitOutcome]
) -> tuple[OutcomeAlert, ...]:
    """Every alert, visit by visit in date order (``visits`` sorted, ``outcomes`` alike)."""
    alerts: list[OutcomeAlert] = []
    lowest_nrs: float | None = None
    for visit, outcome in zip(visits, outcomes, strict=True):
        alerts += _alerts_at(visit, outcome, lowest_nrs)
        if visit.nrs is not None:
            lowest_nrs = visit.nrs if lowest_nrs is None else min(lowest_nrs, visit.nrs)
    return tuple(alerts)


def evaluate_outcomes(case: Case, *, procedure_date: date) -> OutcomeReport:
    """Every follow-up visit against its baseline, MCID and the trial figures at its time point.

    Raises
    ------
    InvalidInput
        When a follow-up visit is dated on or before the procedure date.
    """
    _check_after_procedure(case, procedure_date)
    base = baseline(case, procedure_date=procedure_date)
    ordered = sorted(case.follow_up or (), key=lambda v: v.visit_date)
    visits = tuple(_visit_outcome(v, base, procedure_date) for v in ordered)
    alerts = visit_alerts(ordered, visits)
    return OutcomeReport(procedure_date=procedure_date, baseline=base, visits=visits,
                         alerts=alerts)  # fmt: skip
