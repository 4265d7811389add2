"""Policy lint: unique ids, every criterion cited, known facts, thresholds within their units."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import ON, candidate

from kypho.domain import Case
from kypho.errors import NotFound, RuleCatalogueError
from kypho.rules import Policy, Role, load_policy, policy_names
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext
from kypho.rules.policy import Compare, policy_from_dict, policy_to_dict

UNIT_RANGES = {"%": (0, 100), "/10": (0, 10), "/24": (0, 24), "days": (0, 3650), "years": (0, 130)}


def test_the_three_policies_ship() -> None:
    assert set(policy_names()) == {"practice", "medicare-l34106", "vcf-suspicion"}


# Clinical reference 1.3: absolute contraindications (role exclude) and relative ones (review),
# as the fact each is read from and the value that means "present".
ABSOLUTE = {"pain_attributed_to_fracture": False, "infection": True, "pregnant": True}
RELATIVE = {
    "levels_in_procedure": 3,  # "> 3": more than three levels
    "cement_or_contrast_allergy": True,
    "uncorrected_coagulopathy": True,
    "spinal_instability": True,
    "myelopathy": True,
    "neurologic_deficit": True,
    "neural_impingement": True,
    "retropulsion": True,
}
TREATMENT_POLICIES = [n for n in policy_names() if load_policy(n).kind.can_plan]
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "clinical-reference.md"


def _top_level_tests(policy: Policy, role: Role) -> dict[str, object]:
    found: dict[str, object] = {}
    for cid in policy.top_level:
        crit = policy.criterion(cid)
        if crit.role is role and isinstance(crit.test, Compare):
            found[crit.test.fact] = crit.test.value
    return found


def test_the_treatment_policies_are_practice_and_medicare() -> None:
    assert TREATMENT_POLICIES == ["medicare-l34106", "practice"]


@pytest.mark.parametrize("name", TREATMENT_POLICIES)
def test_every_absolute_contraindication_excludes(name: str) -> None:
    """A contraindication is never silent: each of clinical-reference.md 1.3 is a top-level
    exclusion of every policy that can lead to a plan."""
    assert _top_level_tests(load_policy(name), Role.EXCLUDE).items() >= ABSOLUTE.items()


@pytest.mark.parametrize("name", TREATMENT_POLICIES)
def test_every_relative_contraindication_needs_review(name: str) -> None:
    assert _top_level_tests(load_policy(name), Role.REVIEW).items() >= RELATIVE.items()


def test_reference_citations_name_real_sections() -> None:
    if not REFERENCE.is_file():
        pytest.skip(
            f"clinical reference not found at {REFERENCE} (a user's clone has no ../shared)"
        )
    headings = set(re.findall(r"^### (\d+\.\d+) ", REFERENCE.read_text(encoding="utf-8"), re.M))
    cited = {
        section
        for name in policy_names()
        for c in load_policy(name).criteria
        for cite in c.citations
        if str(cite).startswith("clinical-reference.md")
        for section in re.findall(r"\b(\d+\.\d+)\b", str(cite).split("(")[0])
    }
    assert cited, "no clinical-reference.md section cited"
    assert cited <= headings, sorted(cited - headings)


@pytest.mark.parametrize("name", policy_names())
def test_thresholds_lie_within_their_units(name: str) -> None:
    for c in load_policy(name).criteria:
        if isinstance(c.test, Compare) and FACTS[c.test.fact].unit in UNIT_RANGES:
            lo, hi = UNIT_RANGES[FACTS[c.test.fact].unit]
            assert lo <= c.test.value <= hi, f"{name}/{c.id}: {c.test.value}"


def test_seed_citations_name_real_seed_files() -> None:
    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed pages not found at {seeds} (a user's clone has no ../shared)")
    cited = {
        str(cite).split(" ")[0]
        for c in load_policy("practice").criteria
        for cite in c.citations
        if str(cite).endswith(")") and str(cite)[0].isdigit()
    }
    assert cited and all((seeds / name).is_file() for name in cited)


@pytest.mark.parametrize("case", [Case(case_id="empty"), candidate()], ids=["empty", "full"])
def test_every_fact_reads_the_case_model(case: Case) -> None:
    """Each catalogued fact extracts from an empty and a full case without error."""
    level = case.fractures[0].level if case.fractures else None
    for spec in FACTS.values():
        obs = spec.observe(FactContext.make(case, ON, level))
        assert isinstance(obs.shown, str)
        if case.case_id == "empty":
            assert obs.value is None or spec.name in ("level", "pregnant"), spec.name


@pytest.mark.parametrize("name", policy_names())
def test_policy_round_trips_through_its_dict_form(name: str) -> None:
    policy = load_policy(name)
    assert policy_from_dict(policy_to_dict(policy)) == policy


def test_bad_policies_are_refused_with_the_reason() -> None:
    good = policy_to_dict(load_policy("practice"))
    bad_test = {"fact": "nope", "op": "==", "value": 1}
    broken_fact = {**good, "criterion": [{**good["criterion"][0], "test": bad_test}]}
    with pytest.raises(RuleCatalogueError, match="unknown fact 'nope'"):
        policy_from_dict(broken_fact)
    uncited = {**good, "criterion": [{**good["criterion"][0], "cites": []}]}
    with pytest.raises(RuleCatalogueError, match="cites no source"):
        policy_from_dict(uncited)
    twice = {**good, "criterion": good["criterion"] + good["criterion"][:1]}
    with pytest.raises(RuleCatalogueError, match="duplicate criterion ids"):
        policy_from_dict(twice)
    with pytest.raises(NotFound, match="expected one of"):
        load_policy("aetna")


def test_the_core_builder_refuses_what_would_break_the_engine() -> None:
    """``policy_from_dict`` is the core's builder: it refuses a test it could not evaluate."""
    good = policy_to_dict(load_policy("practice"))
    first = good["criterion"][0]
    cases = [
        ({"fact": "pain_score", "op": "=~", "value": 1}, "op must be one of"),
        ({"fact": "pain_score", "op": "=="}, "a fact test needs a value"),
        ({"op": "=="}, "test needs fact/op/value"),
        ({"all_of": ["nowhere"]}, "refers to unknown criterion 'nowhere'"),
        ({"any_of": [first["id"]]}, "in a cycle"),
    ]
    for test, message in cases:
        with pytest.raises(RuleCatalogueError, match=re.escape(message)):
            policy_from_dict(
                {**good, "criterion": [{**first, "test": test}, *good["criterion"][1:]]}
            )
    with pytest.raises(RuleCatalogueError, match="a criterion has no id"):
        policy_from_dict({**good, "criterion": [{**first, "id": ""}]})
    with pytest.raises(RuleCatalogueError, match="missing top-level key 'version'"):
        policy_from_dict({**good, "version": ""})


def test_at_least_threshold_is_written_out() -> None:
    crit = load_policy("medicare-l34106").criterion("secondary-findings")
    assert crit.threshold == "at least 2 of 4"
