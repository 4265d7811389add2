"""Trial time points, MCID values and published results to hold outcomes against.

A follow-up visit is compared with a trial's figure only when it falls in the window
around that figure's time point (1 week, 1 month, 3, 6, 12, 24 months after the
procedure); a visit outside every window is compared with none, and says so.

clinical-reference.md gives no minimal clinically important difference (MCID) for
any instrument, so the three MCID values are a project convention needing clinical
confirmation; they sit here, once, with that label. The windows are a project
convention too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kypho.pathway.schedule import LATER_VISIT_TOLERANCE_DAYS, add_months
from kypho.planning.sources import L34106, URL_EVOLVE, URL_FREE, convention, ref
from kypho.rules.types import Citation


class Measure(StrEnum):
    NRS = "NRS"  # back pain, 0-10 (NRS or VAS)
    ODI = "ODI"  # Oswestry Disability Index, 0-100 %
    RDQ = "RDQ"  # Roland-Morris Disability Questionnaire, 0-24


@dataclass(frozen=True, slots=True, kw_only=True)
class Mcid:
    measure: Measure
    improvement_points: float  # a fall of at least this much counts as important
    citation: Citation


MCID_TABLE: dict[Measure, Mcid] = {
    Measure.NRS: Mcid(measure=Measure.NRS, improvement_points=2.0,
                      citation=convention("NRS MCID 2 points; not in clinical-reference.md")),
    Measure.ODI: Mcid(measure=Measure.ODI, improvement_points=10.0,
                      citation=convention("ODI MCID 10 points; not in clinical-reference.md")),
    Measure.RDQ: Mcid(measure=Measure.RDQ, improvement_points=5.0,
                      citation=convention("RDQ MCID 5 points; not in clinical-reference.md")),
}  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class TimePoint:
    """A time after the procedure at which trials report, and the window around it.

    The target is ``after_months`` calendar months plus ``after_days`` days after the
    procedure date; a visit within ``tolerance_days`` of it, either side, matches.
    """

    label: str  # "1 month"
    after_days: int = 0
    after_months: int = 0
    tolerance_days: int
    citation: Citation

    def target(self, procedure_date: date) -> date:
        return add_months(procedure_date, self.after_months) + timedelta(days=self.after_days)

    def window(self, procedure_date: date) -> tuple[date, date]:
        """(first, last) day a visit may fall on to match, both included.

        >>> ONE_MONTH.window(date(2026, 3, 10))
        (datetime.date(2026, 3, 27), datetime.date(2026, 4, 24))
        """
        target, tolerance = self.target(procedure_date), timedelta(days=self.tolerance_days)
        return target - tolerance, target + tolerance


# Project convention: 7 +/- 3 days, so a day-14 visit is not a 1-week one.
WEEK_TOLERANCE_DAYS = 3
# Project convention: the follow-up schedule's +/- 14 days (schedule.py), so a visit
# booked in its window matches; a day-14 visit is not a 1-month one either.
MONTH_TOLERANCE_DAYS = LATER_VISIT_TOLERANCE_DAYS

# clinical-reference.md §6: trials assess at 7 days, 1, 3, 6, 12 months (EVOLVE)
# and to 24 months (FREE).
_TIMES = ref("6", URL_EVOLVE)
ONE_WEEK = TimePoint(
    label="1 week", after_days=7, tolerance_days=WEEK_TOLERANCE_DAYS, citation=_TIMES
)
ONE_MONTH = TimePoint(
    label="1 month", after_months=1, tolerance_days=MONTH_TOLERANCE_DAYS, citation=_TIMES
)
THREE_MONTHS = TimePoint(
    label="3 months", after_months=3, tolerance_days=MONTH_TOLERANCE_DAYS, citation=_TIMES
)
SIX_MONTHS = TimePoint(
    label="6 months", after_months=6, tolerance_days=MONTH_TOLERANCE_DAYS, citation=_TIMES
)
TWELVE_MONTHS = TimePoint(
    label="12 months", after_months=12, tolerance_days=MONTH_TOLERANCE_DAYS, citation=_TIMES
)
TWENTY_FOUR_MONTHS = TimePoint(
    label="24 months",
    after_months=24,
    tolerance_days=MONTH_TOLERANCE_DAYS,
    citation=ref("6", URL_FREE),
)
TIME_POINTS: tuple[TimePoint, ...] = (
    ONE_WEEK, ONE_MONTH, THREE_MONTHS, SIX_MONTHS, TWELVE_MONTHS, TWENTY_FOUR_MONTHS
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Benchmark:
    """A published mean improvement from baseline at one time point after the procedure."""

    trial: str
    measure: Measure
    time_point: TimePoint
    improvement_points: float
    baseline_points: float | None
    citation: Citation


_EVOLVE = ref("5.2", URL_EVOLVE)
_VERTOS = ref("5.2", L34106)
_POINTS = (  # (trial, measure, time point, mean improvement, mean baseline): §5.2
    ("EVOLVE", Measure.NRS, ONE_WEEK, 5.2, 8.7),
    ("EVOLVE", Measure.NRS, ONE_MONTH, 5.4, 8.7),
    ("EVOLVE", Measure.NRS, THREE_MONTHS, 6.0, 8.7),
    ("EVOLVE", Measure.NRS, SIX_MONTHS, 6.2, 8.7),
    ("EVOLVE", Measure.NRS, TWELVE_MONTHS, 6.3, 8.7),
    ("EVOLVE", Measure.ODI, ONE_MONTH, 30.5, 63.4),
    ("EVOLVE", Measure.ODI, THREE_MONTHS, 35.3, 63.4),
    ("EVOLVE", Measure.ODI, SIX_MONTHS, 36.3, 63.4),
    ("EVOLVE", Measure.ODI, TWELVE_MONTHS, 36.2, 63.4),
    ("VERTOS II conservative arm", Measure.NRS, ONE_MONTH, 2.7, None),
    ("VERTOS II conservative arm", Measure.NRS, TWELVE_MONTHS, 3.7, None),  # "1 yr"
)
BENCHMARKS: tuple[Benchmark, ...] = tuple(
    Benchmark(trial=t, measure=m, time_point=tp, improvement_points=imp, baseline_points=base,
              citation=_EVOLVE if t == "EVOLVE" else _VERTOS)
    for t, m, tp, imp, base in _POINTS
)  # fmt: skip

# FREE (clinical-reference.md §5.2) reports RMDQ better with kyphoplasty than with
# non-surgical care, without a figure our sources give: said in words, not compared.
NO_FIGURE_NOTES: dict[Measure, tuple[str, Citation]] = {
    Measure.RDQ: (
        "no published RDQ figure in our sources; FREE found RMDQ better with kyphoplasty "
        "than non-surgical care",
        ref("5.2", URL_FREE),
    ),
}


def match_time_point(visit_date: date, *, procedure_date: date) -> TimePoint | None:
    """The time point whose window holds the visit (the nearest target if two do), or None.

    >>> match_time_point(date(2026, 3, 24), procedure_date=date(2026, 3, 10)) is None
    True
    >>> match_time_point(date(2026, 9, 7), procedure_date=date(2026, 3, 10)).label
    '6 months'
    """
    holding = [
        tp
        for tp in TIME_POINTS
        if tp.window(procedure_date)[0] <= visit_date <= tp.window(procedure_date)[1]
    ]
    if not holding:
        return None
    return min(holding, key=lambda tp: abs((tp.target(procedure_date) - visit_date).days))


def benchmarks_at(measure: Measure, time_point: TimePoint) -> tuple[Benchmark, ...]:
    """Every trial's figure for ``measure`` at exactly ``time_point`` (one per trial).

    >>> [b.trial for b in benchmarks_at(Measure.NRS, ONE_MONTH)]
    ['EVOLVE', 'VERTOS II conservative arm']
    >>> benchmarks_at(Measure.ODI, ONE_WEEK)
    ()
    """
    return tuple(b for b in BENCHMARKS if b.measure is measure and b.time_point == time_point)
