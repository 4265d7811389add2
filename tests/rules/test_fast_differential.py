"""The decision-only paths (``kypho.rules.fast``) equal the explained path, for every policy.

The expected values come from ``assess``, the engine that builds the whole explanation
(and that the clinical tests pin): for each case and bundled policy, the fast path must
give the same decision, the same decision per level, and the same number of missing
facts, by both of its forms: the generated code (``kypho.rules.codegen``) and the
closures. Three sources of cases: the bundled examples, seeded clinically shaped cases
(``kypho_fast_support``) and Hypothesis' arbitrary valid cases.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from kypho_fast_support import ON, shaped_cases

from kypho.casefile import load_case
from kypho.domain import Case
from kypho.errors import InvalidInput
from kypho.rules import assess, compile_policy, load_policy, policy_names
from kypho.rules.events import event_dates, has_event_after
from kypho.rules.facts import FACTS
from kypho.rules.fast import decide_case
from kypho.rules.observation import FactContext
from kypho.rules.values import value_reader
from strategies import cases

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
POLICIES = {name: compile_policy(load_policy(name)) for name in policy_names()}
SHAPED = shaped_cases(1500)


def _expected(case: Case, name: str, on: date) -> tuple[object, ...]:
    a = assess(case, POLICIES[name], on=on)
    return a.decision, tuple((la.level, la.decision) for la in a.levels), len(a.missing)


def _fast(case: Case, name: str, on: date) -> tuple[object, ...]:
    """The generated code's answer, after checking that the closures give the same."""
    quick = decide_case(case, POLICIES[name], on=on)
    counted = decide_case(case, POLICIES[name], on=on, count_missing=True)
    assert (quick.decision, quick.levels) == (counted.decision, counted.levels)
    assert quick.missing_count is None
    closures = POLICIES[name].decisions()
    assert closures.generated is not None
    assert closures.decide_closures(case, on=on) == quick
    assert closures.decide_closures(case, on=on, count_missing=True) == counted
    return counted.decision, counted.levels, counted.missing_count


@pytest.mark.parametrize("name", policy_names())
def test_shaped_cases_decide_alike_on_both_paths(name: str) -> None:
    decisions = set()
    for case in SHAPED:
        expected = _expected(case, name, ON)
        assert _fast(case, name, ON) == expected, case
        decisions.add(expected[0])
    assert len(decisions) == 4, f"the shaped cases should reach every decision: {decisions}"


@pytest.mark.parametrize("name", policy_names())
def test_bundled_examples_decide_alike_on_both_paths(name: str) -> None:
    files = sorted(EXAMPLES.glob("*.json"))
    assert files
    for path in files:
        case = load_case(path)
        assert _fast(case, name, ON) == _expected(case, name, ON), path.name


@st.composite
def valid_cases(draw: st.DrawFn) -> Case:
    """``strategies.cases()``, less the draws the domain refuses (dates that do not add up)."""
    try:
        return draw(cases())
    except InvalidInput:
        reject()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=valid_cases(), name=st.sampled_from(policy_names()), shift=st.integers(-30, 400))
def test_arbitrary_cases_decide_alike_or_are_refused_alike(
    case: Case, name: str, shift: int
) -> None:
    latest = max((day for _, day in case.dated_events()), default=ON)
    on = latest + timedelta(days=shift)  # mostly after every event; sometimes before one
    try:
        expected = _expected(case, name, on)
    except InvalidInput as err:  # an event after ``on``: both paths refuse, same message
        for count_missing in (False, True):
            with pytest.raises(InvalidInput) as fast_err:
                decide_case(case, POLICIES[name], on=on, count_missing=count_missing)
            assert str(fast_err.value) == str(err)
        return
    assert _fast(case, name, on) == expected


def test_every_fact_reads_the_same_value_and_bounds_as_its_extractor() -> None:
    for case in SHAPED[:500]:
        for level in (None, *case.levels_under_review):
            for fact, spec in FACTS.items():
                full = spec.extract(FactContext(case, ON, level, {}))
                assert value_reader(fact)(FactContext(case, ON, level, {})) == (
                    full.value,
                    full.bounds,
                ), (fact, level, case)


def test_the_cheap_date_check_reads_every_dated_event() -> None:
    for case in SHAPED:
        assert sorted(d for d in event_dates(case) if d is not None) == sorted(
            d for _, d in case.dated_events()
        )
        latest = max((d for _, d in case.dated_events()), default=None)
        if latest is not None:
            assert has_event_after(case, latest) is False
            assert has_event_after(case, latest - timedelta(days=1)) is True
