"""Three-valued evaluation of one policy's criteria on one set of facts (pure).

Unknown propagates by Kleene's strong logic: ``all_of`` is not met as soon as one
part is not met, ``any_of`` is met as soon as one part is met, ``at_least N`` is met
with N parts met and not met once even the unknown parts could not reach N.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kypho.domain.levels import Level
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext, Observation
from kypho.rules.policy import Combine, Compare, Criterion, Policy
from kypho.rules.types import CriterionResult, MissingFact, Outcome

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "in": lambda a, b: a in b,
}


def kleene(kind: str, outcomes: list[Outcome], at_least: int = 0) -> Outcome:
    """Combine outcomes: ``all_of``, ``any_of`` or ``at_least``.

    >>> kleene("all_of", [MET, UNKNOWN]), kleene("all_of", [NOT_MET, UNKNOWN])
    (<Outcome.UNKNOWN: 'unknown'>, <Outcome.NOT_MET: 'not_met'>)
    >>> kleene("at_least", [MET, UNKNOWN, NOT_MET], at_least=2)
    <Outcome.UNKNOWN: 'unknown'>
    """
    met = outcomes.count(MET)
    unknown = outcomes.count(UNKNOWN)
    if kind == "all_of":
        need = len(outcomes)
    elif kind == "any_of":
        need = 1
    else:
        need = at_least
    if met >= need:
        return MET
    return UNKNOWN if met + unknown >= need else NOT_MET


class Evaluator:
    """Evaluates criteria for one level (or the patient) with facts observed once each."""

    __slots__ = ("policy", "ctx", "patient_cache", "cache", "results")

    def __init__(
        self, policy: Policy, ctx: FactContext, patient_cache: dict[str, Observation]
    ) -> None:
        self.policy = policy
        self.ctx = ctx
        self.patient_cache = patient_cache
        self.cache: dict[str, Observation] = {}
        self.results: dict[str, CriterionResult] = {}

    def observe(self, fact: str) -> Observation:
        spec = FACTS[fact]
        cache = self.cache if spec.scope == "level" else self.patient_cache
        obs = cache.get(fact)
        if obs is None:
            obs = cache[fact] = spec.observe(self.ctx)
        return obs

    def result(self, criterion_id: str) -> CriterionResult:
        found = self.results.get(criterion_id)
        if found is None:
            crit = self.policy.criterion(criterion_id)
            if isinstance(crit.test, Compare):
                found = self._compare(crit, crit.test)
            else:
                found = self._combine(crit, crit.test)
            self.results[criterion_id] = found
        return found

    def _level(self, crit: Criterion) -> Level | None:
        return self.ctx.level if self.policy.scopes[crit.id] == "level" else None

    def _compare(self, crit: Criterion, test: Compare) -> CriterionResult:
        obs = self.observe(test.fact)
        level = self._level(crit)
        missing: tuple[MissingFact, ...] = ()
        if obs.value is None:
            outcome = UNKNOWN
            document = (crit.document or FACTS[test.fact].document).format(level=level or "")
            missing = (
                MissingFact(fact=test.fact, document=document, criterion_id=crit.id, level=level),
            )
        else:
            outcome = MET if _COMPARE[test.op](obs.value, test.value) else NOT_MET
        return CriterionResult(
            id=crit.id,
            text=crit.text,
            outcome=outcome,
            role=crit.role,
            observed=obs.shown,
            threshold=crit.threshold,
            citations=crit.citations,
            level=level,
            missing=missing,
        )

    def _combine(self, crit: Criterion, test: Combine) -> CriterionResult:
        children = tuple(self.result(c) for c in test.of)
        outcomes = [c.outcome for c in children]
        outcome = kleene(test.kind, outcomes, test.at_least)
        met, unknown = outcomes.count(MET), outcomes.count(UNKNOWN)
        observed = f"{met} of {len(children)} met" + (f", {unknown} unknown" if unknown else "")
        missing: tuple[MissingFact, ...] = ()
        if outcome is UNKNOWN:
            missing = tuple(m for c in children if c.outcome is UNKNOWN for m in c.missing)
        return CriterionResult(
            id=crit.id,
            text=crit.text,
            outcome=outcome,
            role=crit.role,
            observed=observed,
            threshold=crit.threshold,
            citations=crit.citations,
            level=self._level(crit),
            children=children,
            missing=missing,
        )
