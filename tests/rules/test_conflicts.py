"""Studies that disagree: the most recent is used and the disagreement is listed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from builders import ON, candidate, finding
from test_rules_chronology import find

from kypho.domain import Appearance, Case, ImagingStudy, Level, Modality
from kypho.rules import Outcome, assess, load_policy
from kypho.rules.explain import as_markdown, as_text
from kypho.rules.report import assessment_to_dict

MEDICARE = load_policy("medicare-l34106")
PRACTICE = load_policy("practice")
MRI_DAY, CT_DAY = date(2026, 10, 1), date(2026, 11, 10)


def study(modality: Modality, day: date, ident: str, **kw: object) -> ImagingStudy:
    return ImagingStudy(
        modality=modality, study_date=day, study_id=ident, findings=(finding(Level.L1, **kw),)
    )


def case_with(*studies: ImagingStudy) -> Case:
    # onset 60 days before ON (2026-09-22), so both studies are after onset
    return replace(candidate(onset_days=60), imaging=studies)


def test_later_ct_height_loss_is_used_and_the_older_mri_listed() -> None:
    case = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", height_loss_pct=30.0, progression=False),
        study(Modality.CT, CT_DAY, "CT1", height_loss_pct=62.0),
    )
    a = assess(case, MEDICARE, on=ON)
    r = find(a, "height-loss-over-25")
    assert r.observed.startswith("62.0 % on CT 2026-11-10 (study CT1)")
    conflict = (
        "L1 height loss: 62.0 % on CT 2026-11-10 (study CT1) (used, most recent) "
        "vs 30.0 % on MRI 2026-10-01 (study MR1)"
    )
    assert conflict in a.conflicts
    # the older "no progression" is contradicted by the later, larger loss: unknown, listed
    assert find(a, "height-progression").outcome is Outcome.UNKNOWN
    progression = [c for c in a.conflicts if c.startswith("L1 progression")]
    assert progression == [
        "L1 progression: no progression on MRI 2026-10-01 (study MR1) (30.0 %) vs "
        "62.0 % on CT 2026-11-10 (study CT1) (later, more loss): progression taken as unknown"
    ]
    for shown in (as_text(a), as_markdown(a)):
        assert conflict in shown
    assert conflict in json.loads(json.dumps(assessment_to_dict(a)))["conflicts"]


def test_no_progression_stands_when_later_heights_did_not_increase() -> None:
    case = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", height_loss_pct=30.0, progression=False),
        study(Modality.CT, CT_DAY, "CT1", height_loss_pct=30.0),
    )
    a = assess(case, MEDICARE, on=ON)
    assert find(a, "height-progression").outcome is Outcome.NOT_MET
    assert a.conflicts == ()
    assert "disagree" not in as_text(a)


def test_a_later_ct_with_less_loss_leaves_no_progression_and_lists_the_heights() -> None:
    case = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", height_loss_pct=30.0, progression=False),
        study(Modality.CT, CT_DAY, "CT1", height_loss_pct=28.0),
    )
    a = assess(case, MEDICARE, on=ON)
    assert find(a, "height-progression").outcome is Outcome.NOT_MET
    assert [c.split(":")[0] for c in a.conflicts] == ["L1 height loss"]


def test_latest_progression_reading_wins_over_an_older_one() -> None:
    case = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", progression=True),
        study(Modality.CT, CT_DAY, "CT1", progression=False),
    )
    a = assess(case, MEDICARE, on=ON)
    assert find(a, "height-progression").outcome is Outcome.NOT_MET
    assert a.conflicts == (
        "L1 progression: no progression of height loss on CT 2026-11-10 (study CT1) "
        "(used, most recent) vs progression of height loss on MRI 2026-10-01 (study MR1)",
    )


def test_latest_kyphosis_reading_wins_both_ways() -> None:
    older_yes = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", kyphotic_deformity=True),
        study(Modality.CT, CT_DAY, "CT1", kyphotic_deformity=False),
    )
    older_no = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", kyphotic_deformity=False),
        study(Modality.CT, CT_DAY, "CT1", kyphotic_deformity=True),
    )
    assert find(assess(older_yes, MEDICARE, on=ON), "kyphotic-deformity").outcome is Outcome.NOT_MET
    a = assess(older_no, MEDICARE, on=ON)
    assert find(a, "kyphotic-deformity").outcome is Outcome.MET
    assert a.conflicts[0].startswith("L1 kyphosis: kyphotic deformity on CT 2026-11-10")


def test_acuity_follows_the_latest_study() -> None:
    acute_then_chronic = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", appearance=Appearance.ACUTE),
        study(Modality.CT, CT_DAY, "CT1", marrow_edema=None, appearance=Appearance.CHRONIC),
    )
    a = assess(acute_then_chronic, PRACTICE, on=ON)
    assert find(a, "not-chronic-on-imaging").outcome is Outcome.MET
    assert find(a, "imaging-shows-acute").outcome is Outcome.NOT_MET
    assert a.conflicts == (
        "L1 acute or chronic appearance: chronic appearance on CT 2026-11-10 (study CT1) "
        "(used, most recent) vs acute appearance on MRI 2026-10-01 (study MR1)",
        "L1 acute on imaging: no acute fracture on CT 2026-11-10 (study CT1) "
        "(used, most recent) vs acute fracture on MRI 2026-10-01 (study MR1)",
    )


def test_advanced_imaging_signs_follow_the_latest_study() -> None:
    case = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", marrow_edema=True),
        study(Modality.BONE_SCAN, CT_DAY, "BS1", marrow_edema=None, uptake=False),
    )
    a = assess(case, MEDICARE, on=ON)
    assert find(a, "advanced-imaging").outcome is Outcome.NOT_MET
    assert any(
        c.startswith("L1 advanced imaging: no edema or uptake on bone scan") for c in a.conflicts
    )


def test_retropulsion_on_any_study_counts_and_the_conflict_says_so() -> None:
    case = case_with(
        study(Modality.CT, MRI_DAY, "CT0", retropulsion=True),
        study(Modality.MRI, CT_DAY, "MR2", retropulsion=False),
    )
    a = assess(case, MEDICARE, on=ON)
    r = find(a, "retropulsion")
    assert r.outcome is Outcome.MET
    assert r.observed == (
        "retropulsion / canal compromise on CT 2026-10-01 (study CT0) (other studies differ)"
    )
    assert a.conflicts == (
        "L1 retropulsion: retropulsion / canal compromise on CT 2026-10-01 (study CT0) "
        "(used: any study showing it counts) vs no retropulsion / canal compromise on "
        "MRI 2026-11-10 (study MR2)",
    )


def test_studies_that_agree_make_no_conflict() -> None:
    case = case_with(
        study(Modality.MRI, MRI_DAY, "MR1", height_loss_pct=30.0, kyphotic_deformity=True),
        study(Modality.CT, CT_DAY, "CT1", height_loss_pct=30.04, kyphotic_deformity=True),
    )
    a = assess(case, MEDICARE, on=ON)
    assert a.conflicts == ()
    assert assessment_to_dict(a)["conflicts"] == []
