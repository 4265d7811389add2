"""The generated decision code (``kypho.rules.codegen``): facts, Kleene logic, its limits.

Decisions on every bundled policy are held to ``assess`` in ``test_fast_differential``
(generated code, closures and the explained engine, case by case). Here: each fact as
the generated code reads it against its full extractor; small policies whose decisions
are written out by hand from Kleene's truth tables; a policy too deep for one Python
function (closures decide it) beside one just deep enough; and policy text that looks
like Python, which must stay data.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from kypho_fast_support import ON, shaped_cases

from kypho.domain import Case, Contraindications, Fracture, Level, PainAssessment
from kypho.rules import (
    Decision,
    assess,
    codegen,
    codegen_facts,
    compile_policy,
    fast,
    load_policy,
    policy_names,
    values,
    values_level,
)
from kypho.rules import facts_patient as pt
from kypho.rules.codegen import RANKED, fact_reader
from kypho.rules.decide import RANK
from kypho.rules.facts import FACTS
from kypho.rules.fast import decide_case
from kypho.rules.observation import FactContext, Scope
from kypho.rules.policy import Policy, policy_from_dict
from kypho.rules.values import levels_under_review, pain_series_of

SHAPED = shaped_cases(600, seed=8)
C, NI, NC, NR = (
    Decision.CANDIDATE,
    Decision.NEEDS_INFORMATION,
    Decision.NOT_CANDIDATE,
    Decision.NEEDS_REVIEW,
)


def test_every_bundled_policy_is_generated_as_one_function() -> None:
    assert RANKED == RANK  # the generated code ranks levels as ``decide.best`` does
    for name in policy_names():
        generated = compile_policy(load_policy(name)).decisions().generated
        assert generated is not None, name
        assert "def decide(case, on):" in generated.source


def test_every_fact_reads_as_its_extractor_in_generated_code() -> None:
    readers = {fact: fact_reader(fact) for fact in FACTS}
    for case in SHAPED:
        for level in (None, *case.levels_under_review):
            for fact, spec in FACTS.items():
                if spec.scope is Scope.LEVEL and level is None:
                    continue  # generated code reads level facts inside a level only
                full = spec.extract(FactContext(case, ON, level, {}))
                assert readers[fact](case, ON, level) == (full.value, full.bounds), (fact, case)


def test_plain_helpers_equal_the_domain_and_extractor_helpers() -> None:
    for case in SHAPED:
        assert levels_under_review(case) == case.levels_under_review
        assert pain_series_of(case, ON) == pt._pain_series(FactContext(case, ON, None, {}))


def _policy(tests: dict[str, dict[str, Any]], roles: dict[str, str] | None = None) -> Policy:
    roles = roles or {}
    return policy_from_dict(
        {
            "id": "hand-made",
            "title": "hand-made",
            "version": "1",
            "source": "this test",
            "criterion": [
                {"id": cid, "cites": ["this test"], "test": test, "role": roles.get(cid, "require")}
                for cid, test in tests.items()
            ],
        }
    )


def _flag(fact: str) -> dict[str, Any]:
    return {"fact": fact, "op": "==", "value": True}


def _flags_case(a: bool | None, b: bool | None, c: bool | None) -> Case:
    flags = Contraindications(myelopathy=a, spinal_instability=b, neural_impingement=c)
    return Case(case_id="flags", contraindications=flags)


T, F, U = True, False, None
PARTS = {
    "a": _flag("myelopathy"),
    "b": _flag("spinal_instability"),
    "c": _flag("neural_impingement"),
}
# Kleene's tables, written out: the required combination's decision for flags (a, b, c).
TABLES = {
    "all_of": {(T, T, T): C, (T, U, T): NI, (U, U, U): NI, (T, F, U): NC, (F, T, T): NC},
    "any_of": {(F, F, F): NC, (F, U, F): NI, (U, U, U): NI, (F, F, T): C, (U, T, F): C},
    "at_least": {
        (T, T, F): C,  # 2 met: met exactly at the boundary
        (T, F, F): NC,  # 1 met and no unknown: one short
        (T, U, F): NI,  # 1 met, 1 unknown: could reach 2
        (F, U, F): NC,  # 0 met, 1 unknown: cannot reach 2
        (U, U, F): NI,
        (T, T, U): C,
    },
}


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_combinations_decide_by_kleenes_tables(kind: str) -> None:
    top = {"at_least": 2, "of": ["a", "b", "c"]} if kind == "at_least" else {kind: ["a", "b", "c"]}
    compiled = compile_policy(_policy({"top": top, **PARTS}))
    assert compiled.decisions().generated is not None
    for flags, want in TABLES[kind].items():
        case = _flags_case(*flags)
        assert decide_case(case, compiled, on=ON).decision is want, (kind, flags)
        assert assess(case, compiled, on=ON).decision is want, (kind, flags)


def test_reviews_and_exclusions_decide_by_their_roles() -> None:
    roles = {"a": "exclude", "b": "review", "c": "review"}
    compiled = compile_policy(_policy(PARTS, roles))
    table = {
        (F, F, F): C,
        (T, F, F): NC,
        (F, T, F): NR,
        (F, T, U): NI,
        (U, F, F): NI,
        (T, U, U): NC,
    }
    for flags, want in table.items():
        case = _flags_case(*flags)
        counted = decide_case(case, compiled, on=ON, count_missing=True)
        assert counted.decision is want, flags
        assert counted.missing_count == flags.count(None), flags
        assert decide_case(case, compiled, on=ON).decision is want, flags
        assert assess(case, compiled, on=ON).decision is want, flags


def _chain(depth: int) -> Policy:
    """``top`` requires pain >= 1 and, nested ``depth`` deep, pain >= 2, 3, ..."""
    tests: dict[str, dict[str, Any]] = {}
    for i in range(depth):
        tests[f"deep-{i}"] = {"all_of": [f"leaf-{i}", f"deep-{i + 1}"]}
        tests[f"leaf-{i}"] = {"fact": "pain_score", "op": ">=", "value": i % 9}
    tests[f"deep-{depth}"] = {"fact": "fracture_age_days", "op": "<=", "value": 84}
    return _policy(tests)


def _pain_case(score: int | None, onset_days: int) -> Case:
    onset = date.fromordinal(ON.toordinal() - onset_days)
    return Case(
        case_id="pain",
        fractures=(Fracture(level=Level.L1, symptom_onset_date=onset),),
        pain=None if score is None else (PainAssessment(score=score, assessed_on=ON),),
    )


@pytest.mark.parametrize(("depth", "generated"), [(60, True), (150, False)])
def test_a_policy_too_deep_for_one_function_is_decided_by_closures(
    depth: int, generated: bool
) -> None:
    compiled = compile_policy(_chain(depth))
    assert (compiled.decisions().generated is not None) is generated
    for score in (None, 0, 7, 8, 10):
        for onset_days in (84, 85):
            case = _pain_case(score, onset_days)
            a = assess(case, compiled, on=ON)
            quick = decide_case(case, compiled, on=ON, count_missing=True)
            assert (quick.decision, quick.missing_count) == (a.decision, len(a.missing))


def test_policy_text_that_looks_like_python_stays_data() -> None:
    sly = 'x"); import os; os.remove("/tmp"); ("'
    policy = _policy(
        {sly: {"fact": "pain_trajectory", "op": "in", "value": [sly, "worsening"]}},
    )
    compiled = compile_policy(policy)
    generated = compiled.decisions().generated
    assert generated is not None and "import os" not in generated.source
    for scores, want in (((3, 6), C), ((6, 3), NC), ((6,), NI)):
        pain = tuple(
            PainAssessment(score=s, assessed_on=date(2026, 11, 1 + i)) for i, s in enumerate(scores)
        )
        case = Case(case_id="sly", pain=pain)
        assert decide_case(case, compiled, on=ON).decision is want
        assert assess(case, compiled, on=ON).decision is want


def _containers() -> dict[str, object]:
    return {
        f"{m.__name__}.{name}": copy.deepcopy(value)
        for m in (codegen, codegen_facts, fast, values, values_level)
        for name, value in vars(m).items()
        if isinstance(value, dict | list | set) and not name.startswith("__")
    }


def test_generating_and_deciding_change_no_module_level_container() -> None:
    before = _containers()
    for name in policy_names():
        compiled = compile_policy(load_policy(name))
        for case in SHAPED[:50]:
            decide_case(case, compiled, on=ON)
            decide_case(case, compiled, on=ON, count_missing=True)
    assert _containers() == before
