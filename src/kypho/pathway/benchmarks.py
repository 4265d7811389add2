"""MCID values and published results to hold a patient's outcomes against, in one table.

clinical-reference.md gives no minimal clinically important difference (MCID) for
any instrument, so the three MCID values are a project convention needing clinical
confirmation; they sit here, once, with that label.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
class Benchmark:
    """A published mean improvement from baseline at one time after the procedure."""

    trial: str
    measure: Measure
    days_after: int
    label: str  # "1 month"
    improvement_points: float
    baseline_points: float | None
    citation: Citation


_EVOLVE = ref("5.2", URL_EVOLVE)
_VERTOS = ref("5.2", L34106)
_POINTS = (  # (trial, measure, days, label, improvement, baseline)
    ("EVOLVE", Measure.NRS, 7, "7 days", 5.2, 8.7),
    ("EVOLVE", Measure.NRS, 30, "1 month", 5.4, 8.7),
    ("EVOLVE", Measure.NRS, 90, "3 months", 6.0, 8.7),
    ("EVOLVE", Measure.NRS, 180, "6 months", 6.2, 8.7),
    ("EVOLVE", Measure.NRS, 365, "12 months", 6.3, 8.7),
    ("EVOLVE", Measure.ODI, 30, "1 month", 30.5, 63.4),
    ("EVOLVE", Measure.ODI, 90, "3 months", 35.3, 63.4),
    ("EVOLVE", Measure.ODI, 180, "6 months", 36.3, 63.4),
    ("EVOLVE", Measure.ODI, 365, "12 months", 36.2, 63.4),
    ("VERTOS II conservative arm", Measure.NRS, 30, "1 month", 2.7, None),
    ("VERTOS II conservative arm", Measure.NRS, 365, "1 year", 3.7, None),
)
BENCHMARKS: tuple[Benchmark, ...] = tuple(
    Benchmark(trial=t, measure=m, days_after=d, label=lab, improvement_points=imp,
              baseline_points=base, citation=_EVOLVE if t == "EVOLVE" else _VERTOS)
    for t, m, d, lab, imp, base in _POINTS
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


def nearest_benchmarks(measure: Measure, days_after: int) -> tuple[Benchmark, ...]:
    """Per trial, the benchmark time point closest to ``days_after``.

    >>> [b.label for b in nearest_benchmarks(Measure.NRS, 80)]
    ['3 months', '1 month']
    """
    best: dict[str, Benchmark] = {}
    for b in BENCHMARKS:
        if b.measure is not measure:
            continue
        current = best.get(b.trial)
        if current is None or abs(b.days_after - days_after) < abs(current.days_after - days_after):
            best[b.trial] = b
    return tuple(best.values())
