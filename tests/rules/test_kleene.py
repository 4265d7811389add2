"""Unknown propagates soundly: a decision reached with facts unknown survives any filling."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kypho.domain import Case, Level
from kypho.rules import Decision, Outcome, Policy, load_policy, policy_names
from kypho.rules.decide import decide
from kypho.rules.evaluate import Evaluator, kleene
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext, FactValue, Observation
from kypho.rules.policy import Compare

DETERMINATE = (Decision.CANDIDATE, Decision.NOT_CANDIDATE, Decision.NEEDS_REVIEW)
outcomes = st.sampled_from(list(Outcome))


def _values_for(policy: Policy, fact: str) -> st.SearchStrategy[Any]:
    """Values a fact can take: the thresholds the policy uses, either side of each."""
    spec = FACTS[fact]
    if spec.kind == "bool":
        return st.booleans()
    tests = [c.test for c in policy.criteria if isinstance(c.test, Compare) and c.test.fact == fact]
    if spec.kind == "text":
        choices = {
            v for t in tests for v in (t.value if isinstance(t.value, tuple) else (t.value,))
        }
        return st.sampled_from(sorted(choices | {"other"}))
    edges = sorted({t.value for t in tests})
    return st.sampled_from([e + d for e in edges for d in (-1, -0.1, 0, 0.1, 1)])


def _decision(policy: Policy, facts: dict[str, FactValue]) -> Decision:
    cache = {name: Observation(value, str(value)) for name, value in facts.items()}
    ctx = FactContext.make(Case(case_id="facts"), date(2026, 1, 1), Level.L1)
    ev = Evaluator(policy, ctx, cache)
    ev.cache = cache  # level facts read from the same filled-in table
    return decide(ev.result(c) for c in policy.top_level)


@st.composite
def partial_and_filled(
    draw: st.DrawFn, policy: Policy
) -> tuple[dict[str, FactValue], dict[str, FactValue]]:
    used = sorted({c.test.fact for c in policy.criteria if isinstance(c.test, Compare)})
    full = {f: draw(_values_for(policy, f)) for f in used}
    hidden = draw(st.sets(st.sampled_from(used)))
    partial = {f: (None if f in hidden else v) for f, v in full.items()}
    return partial, full


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(policy_names()))
def test_determinate_decisions_do_not_change_when_unknowns_are_filled(
    data: st.DataObject, name: str
) -> None:
    policy = load_policy(name)
    partial, full = data.draw(partial_and_filled(policy))
    before = _decision(policy, partial)
    if before in DETERMINATE:
        assert _decision(policy, full) is before


@given(st.lists(outcomes, min_size=1, max_size=6), st.sampled_from(["all_of", "any_of"]))
def test_kleene_agrees_with_every_completion(parts: list[Outcome], kind: str) -> None:
    """Met/not met only when every way of filling the unknowns agrees; else unknown."""
    unknown = [i for i, o in enumerate(parts) if o is Outcome.UNKNOWN]
    completions = set()
    for mask in range(2 ** len(unknown)):
        filled = list(parts)
        for bit, i in enumerate(unknown):
            filled[i] = Outcome.MET if mask >> bit & 1 else Outcome.NOT_MET
        completions.add(kleene(kind, filled))
    expected = completions.pop() if len(completions) == 1 else Outcome.UNKNOWN
    assert kleene(kind, parts) is expected


@given(st.lists(outcomes, min_size=1, max_size=6), st.integers(min_value=1, max_value=6))
def test_at_least_agrees_with_counting(parts: list[Outcome], n: int) -> None:
    met, unknown = parts.count(Outcome.MET), parts.count(Outcome.UNKNOWN)
    result = kleene("at_least", parts, at_least=n)
    assert (result is Outcome.MET) == (met >= n)
    assert (result is Outcome.NOT_MET) == (met + unknown < n)
