"""Policy lint: unique ids, every criterion cited, known facts, thresholds within their units."""

from __future__ import annotations

import pytest
from builders import ON, candidate

from kypho.domain import Case
from kypho.errors import NotFound, RuleCatalogueError
from kypho.rules import load_policy, policy_names
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext
from kypho.rules.policy import Compare, policy_from_dict, policy_to_dict

UNIT_RANGES = {"%": (0, 100), "/10": (0, 10), "/24": (0, 24), "days": (0, 3650), "years": (0, 130)}


def test_the_three_policies_ship() -> None:
    assert set(policy_names()) == {"practice", "medicare-l34106", "vcf-suspicion"}


@pytest.mark.parametrize("name", policy_names())
def test_every_criterion_is_unique_and_cited(name: str) -> None:
    policy = load_policy(name)
    ids = [c.id for c in policy.criteria]
    assert len(ids) == len(set(ids))
    for c in policy.criteria:
        assert c.citations, c.id
        assert c.text, c.id


@pytest.mark.parametrize("name", policy_names())
def test_thresholds_lie_within_their_units(name: str) -> None:
    for c in load_policy(name).criteria:
        if isinstance(c.test, Compare) and FACTS[c.test.fact].unit in UNIT_RANGES:
            lo, hi = UNIT_RANGES[FACTS[c.test.fact].unit]
            assert lo <= c.test.value <= hi, f"{name}/{c.id}: {c.test.value}"


def test_seed_citations_name_real_seed_files() -> None:
    from pathlib import Path

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
