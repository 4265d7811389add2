"""No process-global mutable state: assessing leaves every rules module as it found it."""

from __future__ import annotations

import copy
import importlib
import pkgutil
from dataclasses import replace
from types import ModuleType

from builders import ON, candidate

import kypho.rules
from kypho.rules import Decision, assess, load_policy
from kypho.rules.evaluate import compile_policy
from kypho.rules.policy import Compare


def _modules() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(kypho.rules.__path__, "kypho.rules.")]
    return [importlib.import_module(n) for n in names]


def _mutable_globals() -> dict[str, object]:
    found: dict[str, object] = {}
    for module in _modules():
        for name, value in vars(module).items():
            if isinstance(value, dict | list | set) and not name.startswith("__"):
                found[f"{module.__name__}.{name}"] = copy.deepcopy(value)
    return found


def test_assessing_changes_no_module_level_container() -> None:
    before = _mutable_globals()
    for policy_id in ("medicare-l34106", "practice", "vcf-suspicion"):
        assess(candidate(), load_policy(policy_id), on=ON)
    assert _mutable_globals() == before


def test_compiled_nodes_are_built_per_call_and_held_with_their_policy() -> None:
    policy = load_policy("medicare-l34106")
    first, second = compile_policy(policy), compile_policy(policy)
    assert first is not second and first.nodes is not second.nodes
    assert first.policy is policy
    assert set(first.nodes) == {c.id for c in policy.criteria}
    assert compile_policy(first) is first


def test_a_compiled_policy_decides_as_the_policy_does() -> None:
    policy = load_policy("practice")
    compiled = compile_policy(policy)
    for onset_days in (35, 85):
        case = candidate(onset_days=onset_days)
        assert assess(case, compiled, on=ON) == assess(case, policy, on=ON)


def test_a_changed_policy_is_never_answered_from_an_older_compile() -> None:
    # raise Medicare's 12-week limit's threshold to 30 days: a 35-day-old fracture fails
    policy = load_policy("medicare-l34106")
    assert assess(candidate(onset_days=35), policy, on=ON).decision is Decision.CANDIDATE
    strict = tuple(
        replace(c, test=Compare(fact="fracture_age_days", op="<=", value=30))
        if c.id == "fracture-age"
        else c
        for c in policy.criteria
    )
    stricter = replace(policy, criteria=strict)
    assert assess(candidate(onset_days=35), stricter, on=ON).decision is Decision.NOT_CANDIDATE
    assert assess(candidate(onset_days=35), policy, on=ON).decision is Decision.CANDIDATE
