"""Candidacy rules: policies as data, a three-valued engine, explanations."""

from kypho.rules.engine import assess
from kypho.rules.policy import Policy, load_policy, load_policy_file, policy_names
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
    "CriterionResult",
    "Decision",
    "LevelAssessment",
    "MissingFact",
    "Outcome",
    "PolicyKind",
    "Policy",
    "ProcedureWindow",
    "Role",
    "WindowConstraint",
    "assess",
    "load_policy",
    "load_policy_file",
    "policy_names",
]
