"""The recovery pathway: timeline, follow-up visits, outcomes against benchmarks."""

from kypho.pathway.benchmarks import (
    BENCHMARKS,
    MCID_TABLE,
    TIME_POINTS,
    Benchmark,
    Mcid,
    Measure,
    TimePoint,
    benchmarks_at,
    match_time_point,
)
from kypho.pathway.outcomes import (
    AlertKind,
    BaselineValue,
    MeasureChange,
    OutcomeAlert,
    OutcomeReport,
    VisitOutcome,
    baseline,
    evaluate_outcomes,
)
from kypho.pathway.recovery import RECOVERY_STEPS, recovery_steps, recovery_timeline, span_words
from kypho.pathway.schedule import (
    add_months,
    follow_up_visits,
    nearest_weekday,
    pathway_for_plan,
    recovery_pathway,
)
from kypho.pathway.types import RecoveryPathway, RecoveryStep, StepKind, TimelineItem, VisitSlot

__all__ = [
    "AlertKind",
    "BENCHMARKS",
    "BaselineValue",
    "Benchmark",
    "MCID_TABLE",
    "Mcid",
    "Measure",
    "MeasureChange",
    "OutcomeAlert",
    "OutcomeReport",
    "RECOVERY_STEPS",
    "RecoveryPathway",
    "RecoveryStep",
    "StepKind",
    "TIME_POINTS",
    "TimePoint",
    "TimelineItem",
    "VisitOutcome",
    "VisitSlot",
    "add_months",
    "baseline",
    "benchmarks_at",
    "evaluate_outcomes",
    "follow_up_visits",
    "match_time_point",
    "nearest_weekday",
    "pathway_for_plan",
    "recovery_pathway",
    "recovery_steps",
    "recovery_timeline",
    "span_words",
]
