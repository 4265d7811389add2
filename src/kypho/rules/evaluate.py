"""Three-valued evaluation of one policy's criteria on one case (pure).

Unknown propagates by Kleene's strong logic: ``all_of`` is not met as soon as one
part is not met, ``any_of`` is met as soon as one part is met, ``at_least N`` is met
with N parts met and not met once even the unknown parts could not reach N.

A policy is compiled (``compile_policy``) into nodes that hold everything the
evaluation needs (fact extractor, operator, scope), so evaluating a case does no
look-ups by name beyond one dict access per criterion. The nodes are built once per
``assess`` call and shared by its evaluators; nothing is kept between calls, so no
cache can outlive or alias its policy. A ``CompiledPolicy`` also carries, built on
first use, its decision-only form (``kypho.rules.fast``), held with the policy itself.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from kypho.domain.levels import Level
from kypho.rules.facts import FACTS
from kypho.rules.observation import Extractor, FactContext, Observation, Scope
from kypho.rules.policy import Combine, Compare, Criterion, Policy
from kypho.rules.types import CriterionResult, MissingFact, Outcome

if TYPE_CHECKING:
    from kypho.rules.fast import FastPolicy

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _is_in(value: Any, allowed: Any) -> bool:
    return value in allowed


_ORDERING = frozenset({"<", "<=", ">", ">="})  # monotone: both ends of a range settle it
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": _is_in,
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


class Node(NamedTuple):
    """A criterion ready to evaluate: its fact, operator and scope resolved.

    A named tuple: as immutable as a frozen dataclass and several times cheaper to build.
    """

    crit: Criterion
    at_level: bool
    fact: str = ""
    fact_at_level: bool = False
    extract: Extractor | None = None
    compare: Callable[[Any, Any], bool] | None = None
    ordering: bool = False
    value: Any = None
    document: str = ""
    children: tuple[str, ...] = ()
    kind: str = ""
    at_least: int = 0


def _node(policy: Policy, crit: Criterion) -> Node:
    at_level = policy.scopes[crit.id] is Scope.LEVEL
    test = crit.test
    if isinstance(test, Compare):
        spec = FACTS[test.fact]
        return Node(
            crit,
            at_level,
            fact=test.fact,
            fact_at_level=spec.scope is Scope.LEVEL,
            extract=spec.extract,
            compare=_COMPARE[test.op],
            ordering=test.op in _ORDERING,
            value=test.value,
            document=crit.document or spec.document,
        )
    assert isinstance(test, Combine)
    return Node(crit, at_level, children=test.of, kind=test.kind, at_least=test.at_least)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledPolicy:
    """A policy with its criteria compiled, ready for many ``assess`` calls.

    It holds the policy itself, so the two cannot drift apart or alias another policy
    (no cache keyed by ``id()``): compile once per batch and pass it to ``assess``.
    """

    policy: Policy
    nodes: Mapping[str, Node]
    # the decision alone, as closures (``kypho.rules.fast``), built on first use
    fast: FastPolicy | None = None

    def decisions(self) -> FastPolicy:
        """The decision-only form of this policy (built once, kept with the policy)."""
        if self.fast is None:
            from kypho.rules.fast import FastPolicy

            object.__setattr__(self, "fast", FastPolicy(self.policy))
        assert self.fast is not None
        return self.fast


def compile_nodes(policy: Policy) -> dict[str, Node]:
    """Nodes by criterion id (a new dict on every call: pure, no cache)."""
    return {c.id: _node(policy, c) for c in policy.criteria}


def compile_policy(policy: Policy | CompiledPolicy) -> CompiledPolicy:
    """``policy`` compiled; an already compiled policy is returned as it is."""
    if isinstance(policy, CompiledPolicy):
        return policy
    return CompiledPolicy(policy=policy, nodes=MappingProxyType(compile_nodes(policy)))


def _straddles(node: Node, bounds: tuple[float, float]) -> bool:
    """True when the comparison holds at one end of a measured range and not the other.

    >>> node = Node(crit=None, at_level=True, compare=operator.gt, ordering=True, value=25)
    >>> _straddles(node, (13.0, 31.0)), _straddles(node, (26.0, 31.0))
    (True, False)
    """
    assert node.compare is not None
    return node.compare(bounds[0], node.value) != node.compare(bounds[1], node.value)


class Evaluator:
    """Evaluates criteria for one level (or the patient) with facts observed once each."""

    __slots__ = ("policy", "nodes", "ctx", "patient_cache", "cache", "results", "patient_results")

    def __init__(
        self,
        policy: Policy,
        ctx: FactContext,
        patient_cache: dict[str, Observation],
        patient_results: dict[str, CriterionResult] | None = None,
        *,
        nodes: Mapping[str, Node] | None = None,
    ) -> None:
        self.policy = policy
        self.nodes = compile_nodes(policy) if nodes is None else nodes
        self.ctx = ctx
        self.patient_cache = patient_cache
        self.cache: dict[str, Observation] = {}
        self.results: dict[str, CriterionResult] = {}
        # patient-scope results are the same for every level: share them
        self.patient_results = self.results if patient_results is None else patient_results

    def observe(self, fact: str) -> Observation:
        spec = FACTS[fact]
        cache = self.cache if spec.scope is Scope.LEVEL else self.patient_cache
        obs = cache.get(fact)
        if obs is None:
            obs = cache[fact] = spec.extract(self.ctx)
        return obs

    def result(self, criterion_id: str) -> CriterionResult:
        node = self.nodes[criterion_id]
        store = self.results if node.at_level else self.patient_results
        found = store.get(criterion_id)
        if found is None:
            level = self.ctx.level if node.at_level else None
            found = self._compare(node, level) if node.extract else self._combine(node, level)
            store[criterion_id] = found
        return found

    def _compare(self, node: Node, level: Level | None) -> CriterionResult:
        cache = self.cache if node.fact_at_level else self.patient_cache
        obs = cache.get(node.fact)
        if obs is None:
            obs = cache[node.fact] = node.extract(self.ctx)  # type: ignore[misc]
        crit = node.crit
        missing: tuple[MissingFact, ...] = ()
        if obs.value is None or (
            node.ordering and obs.bounds is not None and _straddles(node, obs.bounds)
        ):
            outcome = UNKNOWN
            document = node.document.format(level=level or "")
            missing = (MissingFact(node.fact, document, crit.id, level),)
        else:
            outcome = MET if node.compare(obs.value, node.value) else NOT_MET  # type: ignore[misc]
        return CriterionResult(
            crit.id,
            crit.text,
            outcome,
            crit.role,
            obs.shown,
            crit.threshold,
            crit.citations,
            level,
            (),
            missing,
        )

    def _combine(self, node: Node, level: Level | None) -> CriterionResult:
        children = tuple([self.result(c) for c in node.children])
        outcomes = [c.outcome for c in children]
        outcome = kleene(node.kind, outcomes, node.at_least)
        met, unknown = outcomes.count(MET), outcomes.count(UNKNOWN)
        observed = (
            f"{met} of {len(children)} met, {unknown} unknown"
            if unknown
            else f"{met} of {len(children)} met"
        )
        missing: tuple[MissingFact, ...] = ()
        if outcome is UNKNOWN:
            missing = tuple([m for c in children if c.outcome is UNKNOWN for m in c.missing])
        crit = node.crit
        return CriterionResult(
            crit.id,
            crit.text,
            outcome,
            crit.role,
            observed,
            crit.threshold,
            crit.citations,
            level,
            children,
            missing,
        )
