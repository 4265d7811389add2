"""What a clinician reads: verdicts named for what they mean, words not values, titled sources."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from builders import NO_CONTRAINDICATIONS, ON, candidate, with_signs

from kypho.casefile import load_case
from kypho.domain import Case, Etiology, Fracture, Patient, Sex
from kypho.rules import Assessment, Decision, PolicyKind, assess, load_policy
from kypho.rules.explain import as_markdown, as_text, verdict_line
from kypho.rules.report import assessment_to_dict
from kypho.rules.sources import SEED_TITLES, source_text

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "examples" / "cases").glob("*.json"))
SEEDS = Path("/work/shared/seeds")
MEDICARE = load_policy("medicare-l34106")
TRIAGE = load_policy("vcf-suspicion")
POLICIES = [load_policy(p) for p in ("medicare-l34106", "practice", "vcf-suspicion")]
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def triage(case: Case) -> Assessment:
    return assess(case, TRIAGE, on=ON)


def malignant(case: Case) -> Case:
    fracture = replace(case.fractures[0], etiology=Etiology.METASTASIS)  # type: ignore[index]
    return replace(case, fractures=(fracture,))


@pytest.mark.parametrize(
    ("case", "decision", "verdict", "headline"),
    [
        (with_signs(candidate(pain=(5, 6)), 4), Decision.CANDIDATE,
         "advanced_imaging_indicated", "ADVANCED IMAGING INDICATED"),
        (with_signs(candidate(pain=(5, 6)), 3), Decision.NOT_CANDIDATE,
         "advanced_imaging_not_indicated", "ADVANCED IMAGING NOT INDICATED"),
        (malignant(with_signs(candidate(pain=(5, 6)), 4)), Decision.NEEDS_REVIEW,
         "outside_pathway", "OUTSIDE THE PATHWAY"),
        (with_signs(candidate(pain=(5, 6)), 3, unknown=2), Decision.NEEDS_INFORMATION,
         "needs_information", "NEEDS INFORMATION"),
    ],
)  # fmt: skip
def test_triage_verdict_named_for_what_it_means_everywhere(
    case: Case, decision: Decision, verdict: str, headline: str
) -> None:
    a = triage(case)
    assert (a.decision, a.verdict, a.policy_kind) == (decision, verdict, PolicyKind.TRIAGE)
    text, markdown = as_text(a), as_markdown(a)
    assert f"DECISION: {headline}" in text
    assert f"**Decision ({ON}): {headline}" in markdown
    for shown in (text, markdown):
        assert "CANDIDATE" not in shown and "candidate" not in shown.lower()
    doc = json.loads(json.dumps(assessment_to_dict(a)))
    assert (doc["decision"], doc["policy_kind"]) == (verdict, "triage")
    assert "candidate" not in json.dumps({k: doc[k] for k in ("decision", "levels")})


def test_a_treatment_policy_keeps_candidate() -> None:
    a = assess(candidate(onset_days=41), MEDICARE, on=ON)
    assert a.verdict == "candidate"
    assert "DECISION: CANDIDATE" in as_text(a)
    doc = assessment_to_dict(a)
    assert (doc["decision"], doc["policy_kind"]) == ("candidate", "coverage")
    assert doc["levels"] == [{"level": "L1", "decision": "candidate"}]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_text_shows_no_internal_values(path: Path) -> None:
    case = load_case(path)
    for policy in POLICIES:
        a = assess(case, policy, on=ON)
        for shown in (as_text(a), as_text(a, verbose=True), as_markdown(a)):
            assert SNAKE.findall(shown) == [], (policy.id, SNAKE.findall(shown))


def test_human_words_replace_values_in_levels_and_thresholds() -> None:
    text = as_text(
        assess(load_case(ROOT / "examples/cases/03-chronic-t8-healed.json"), MEDICARE, on=ON)
    )
    assert "Levels: T8 not a candidate" in text
    assert "one of osteoporotic, steroid induced" in text
    assert "not_candidate" not in text and "steroid_induced" not in text


def _lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def test_absent_exclusions_fold_into_one_line() -> None:
    text = as_text(assess(candidate(), MEDICARE, on=ON))
    folded = _lines_with(text, "No exclusion found:")
    assert len(folded) == 2  # one for the level's criteria, one for the patient's
    assert "pregnancy" in folded[1] and "uncorrected coagulopathy" in folded[1]
    assert "osteomyelitis, discitis" in folded[1]
    assert _lines_with(text, "[exclusion]") == []
    assert _lines_with(text, "absent: not pregnant") == []


def test_a_present_exclusion_is_shown_on_its_own() -> None:
    case = replace(candidate(), patient=Patient(age_years=34, sex=Sex.FEMALE, pregnant=True))
    text = as_text(assess(case, MEDICARE, on=ON))
    assert "[NO] Absolute exclusion: pregnancy [exclusion]" in text
    assert "PRESENT: pregnant" in text
    assert "pregnancy" not in _lines_with(text, "No exclusion found:")[1]


def test_an_unknown_exclusion_is_shown_on_its_own() -> None:
    case = replace(candidate(), patient=Patient(age_years=78, sex=Sex.FEMALE))
    text = as_text(assess(case, MEDICARE, on=ON))
    assert "[??] Absolute exclusion: pregnancy [exclusion]" in text
    assert "unknown: not recorded" in text


def test_verbose_lists_every_exclusion() -> None:
    text = as_text(assess(candidate(), MEDICARE, on=ON), verbose=True)
    assert "No exclusion found" not in text
    assert "absent: not pregnant" in text


def test_clinic_pages_are_named_by_title_and_file() -> None:
    text = as_text(assess(candidate(), load_policy("practice"), on=ON))
    assert 'Balloon Kyphoplasty, PCI, section "Candidates" (001_ed546894017ef93a.txt)' in text
    assert _lines_with(text, "source: 001_") == []
    assert source_text("002_22fbc0fc46b5b412.txt") == (
        "Treatment Options: Kyphoplasty, Blue Distinction Center for Spine "
        "(002_22fbc0fc46b5b412.txt)"
    )
    assert source_text("999_0000000000000000.txt") == "999_0000000000000000.txt"  # not a seed


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the clinic pages (/work/shared/seeds) are absent")
@pytest.mark.parametrize("name", sorted(SEED_TITLES))
def test_each_title_is_the_heading_of_its_page(name: str) -> None:
    page = (SEEDS / name).read_text(encoding="utf-8")
    heading = SEED_TITLES[name].split(", ")[0].split(": ")[0]
    assert heading in page[:2000]


def _heading_levels(markdown: str) -> list[int]:
    return [len(m.group(1)) for m in re.finditer(r"^(#+) ", markdown, flags=re.MULTILINE)]


@pytest.mark.parametrize("path", CASES[:4], ids=lambda p: p.stem)
def test_markdown_headings_descend_one_level_at_a_time(path: Path) -> None:
    case = load_case(path)
    for policy in POLICIES:
        doc = f"# Case {case.case_id}\n\n" + as_markdown(assess(case, policy, on=ON))
        levels = _heading_levels(doc)
        assert levels[:2] == [1, 2]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_markdown_heading_level_can_be_chosen() -> None:
    md = as_markdown(assess(candidate(), MEDICARE, on=ON), heading_level=1)
    assert set(_heading_levels(md)) == {1, 2}
    assert md.startswith("# Medicare LCD L34106")


def test_verdict_line_gives_every_policy_on_one_line() -> None:
    ex01 = load_case(ROOT / "examples/cases/01-acute-l1-worsening-candidate.json")
    ex03 = load_case(ROOT / "examples/cases/03-chronic-t8-healed.json")
    both = (MEDICARE, TRIAGE)
    assert verdict_line("EX-01", [assess(ex01, p, on=ON) for p in both]) == (
        "EX-01: medicare-l34106 candidate (L1) | "
        "vcf-suspicion advanced imaging indicated (score 8, high)"
    )
    assert verdict_line("EX-03", [assess(ex03, p, on=ON) for p in both]) == (
        "EX-03: medicare-l34106 not a candidate | "
        "vcf-suspicion advanced imaging not indicated (score 2, low)"
    )
    assert verdict_line("EX-00", []) == "EX-00: no policy assessed"


def test_verdict_line_names_review_and_missing_information() -> None:
    review = replace(
        candidate(),
        contraindications=replace(NO_CONTRAINDICATIONS, uncorrected_coagulopathy=True),
    )
    missing = replace(candidate(), fractures=(Fracture(level=candidate().fractures[0].level),))  # type: ignore[index]
    line = verdict_line("X", [assess(review, MEDICARE, on=ON), assess(missing, MEDICARE, on=ON)])
    assert line == "X: medicare-l34106 needs review | medicare-l34106 needs information"
