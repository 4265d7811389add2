"""The recovery pathway: timeline, follow-up visits, outcomes against benchmarks."""

from kypho.pathway.benchmarks import BENCHMARKS, MCID_TABLE, Benchmark, Mcid, Measure
from kypho.pathway.outcomes import (
    BaselineValue,
    MeasureChange,
    OutcomeReport,
    VisitOutcome,
    baseline,
    evaluate_outcomes,
)
from kypho.pathway.recovery import RECOVERY_STEPS, recovery_timeline
from kypho.pathway.schedule import add_months, follow_up_visits, recovery_pathway
from kypho.pathway.types import RecoveryPathway, RecoveryStep, StepKind, TimelineItem, VisitSlot

__all__ = [
    "BENCHMARKS",
    "MCID_TABLE",
    "RECOVERY_STEPS",
    "BaselineValue",
    "Benchmark",
    "Mcid",
    "Measure",
    "MeasureChange",
    "OutcomeReport",
    "RecoveryPathway",
    "RecoveryStep",
    "StepKind",
    "TimelineItem",
    "VisitOutcome",
    "VisitSlot",
    "add_months",
    "baseline",
    "evaluate_outcomes",
    "follow_up_visits",
    "recovery_pathway",
    "recovery_timeline",
]
