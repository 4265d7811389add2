"""The bundled examples: a known-answer table, and every decision of every policy reached."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kypho.casefile import load_case
from kypho.rules import Decision, assess, load_policy, policy_names

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"
ON = date(2026, 11, 21)  # the date scripts/demo assesses them on

C, N, I, R = "candidate", "not_candidate", "needs_information", "needs_review"  # noqa: E741
EXPECTED = {  # example: (practice, medicare-l34106, vcf-suspicion)
    "01-acute-l1-worsening-candidate": (C, C, C),
    "02-hospitalized-t12-bone-scan": (N, C, C),
    "03-chronic-t8-healed": (N, N, N),
    "04-stable-pain-two-findings": (N, C, C),
    "05-new-referral-radiograph-only": (I, I, C),
    "06-retropulsion-l2": (R, R, C),
    "07-four-levels-one-session": (R, R, C),  # more than 3 levels: review
    "08-metastasis-t10": (R, N, R),  # malignant cause: review (oncology, biopsy)
    "09-discitis": (N, N, C),
    "10-pain-from-facet-joints": (N, N, C),
    "11-upper-thoracic-t3": (C, C, C),
    "12-steroid-induced-referral-pending": (C, I, C),
    "13-fall-from-ladder-l3": (R, N, R),
    "14-mild-pain-triage": (N, N, N),
    "15-triage-signs-incomplete": (N, I, I),
}
POLICIES = ("practice", "medicare-l34106", "vcf-suspicion")


def test_every_example_is_in_the_table() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_decisions(name: str) -> None:
    case = load_case(EXAMPLES / f"{name}.json")
    got = tuple(assess(case, load_policy(p), on=ON).decision.value for p in POLICIES)
    assert got == EXPECTED[name]


@pytest.mark.parametrize("policy", policy_names())
def test_examples_reach_every_decision(policy: str) -> None:
    reached = {row[POLICIES.index(policy)] for row in EXPECTED.values()}
    assert reached == {d.value for d in Decision}


def test_t3_example_carries_the_upper_thoracic_warning() -> None:
    case = load_case(EXAMPLES / "11-upper-thoracic-t3.json")
    a = assess(case, load_policy("medicare-l34106"), on=ON)
    assert a.warnings and a.warnings[0].startswith("T3: T1-T4 is an uncommon level")
