"""Candidacy rules: policies as data, a three-valued engine, explanations."""

from kypho.rules.engine import assess
from kypho.rules.evaluate import CompiledPolicy, compile_policy
from kypho.rules.fast import Verdict, decide_case
from kypho.rules.policy import Policy, load_policy, policy_names
from kypho.rules.types import (
    Assessment,
    Citation,
    CriterionResult,
    Decision,
    LevelAssessment,
    MissingFact,
    Outcome,
    PolicyKind,
    ProcedureWindow,
    Role,
    WindowConstraint,
)

__all__ = [
    "Assessment",
    "Citation",
    "CompiledPolicy",
    "CriterionResult",
    "Decision",
    "LevelAssessment",
    "MissingFact",
    "Outcome",
    "PolicyKind",
    "Policy",
    "ProcedureWindow",
    "Role",
    "Verdict",
    "WindowConstraint",
    "assess",
    "compile_policy",
    "decide_case",
    "load_policy",
    "policy_names",
]
