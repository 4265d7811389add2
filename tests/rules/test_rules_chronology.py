"""Chronology: care before symptom onset, imaging before onset, each on both sides of onset."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from builders import ON, candidate, days_ago, finding

from kypho.domain import (
    Appearance,
    Case,
    ConservativeTreatment,
    ImagingStudy,
    Modality,
    NsmModality,
    Response,
)
from kypho.rules import Assessment, CriterionResult, Outcome, assess, load_policy
from kypho.rules.explain import as_markdown, as_text
from kypho.rules.report import assessment_to_dict

PRACTICE = load_policy("practice")
MEDICARE = load_policy("medicare-l34106")
ONSET_DAYS = 35  # the builder's fracture: symptom onset 35 days before ON


def find(a: Assessment, criterion: str) -> CriterionResult:
    stack = list(a.criteria) + [r for la in a.levels for r in la.criteria]
    while stack:
        r = stack.pop()
        if r.id == criterion:
            return r
        stack.extend(r.children)
    raise AssertionError(f"criterion {criterion} not in the assessment")


def with_care(*courses: ConservativeTreatment) -> Case:
    return replace(candidate(onset_days=ONSET_DAYS), conservative_care=courses)


def course(start_days_ago: int, end_days_ago: int | None = None) -> ConservativeTreatment:
    return ConservativeTreatment(
        modality=NsmModality.BRACING,
        start_date=days_ago(start_days_ago),
        end_date=None if end_days_ago is None else days_ago(end_days_ago),
        response=Response.UNCHANGED,
    )


def test_care_from_the_day_before_onset_counts_from_onset() -> None:
    a = assess(with_care(course(ONSET_DAYS + 1)), PRACTICE, on=ON)
    r = find(a, "conservative-care-2-weeks")
    onset = days_ago(ONSET_DAYS)
    assert r.observed == (
        f"35 days since symptom onset {onset} (care started earlier, {days_ago(36)})"
    )
    assert a.notes == (
        f"conservative care started {days_ago(36)}, before symptom onset {onset}: "
        "counted from onset",
    )
    care = next(c for c in a.procedure_window.constraints if c.criterion_id == r.id)  # type: ignore[union-attr]
    assert care.earliest == days_ago(ONSET_DAYS - 14)  # 14 days after onset, not after the start


def test_care_from_the_onset_day_counts_from_its_start_with_no_note() -> None:
    a = assess(with_care(course(ONSET_DAYS)), PRACTICE, on=ON)
    assert find(a, "conservative-care-2-weeks").observed == f"35 days since {days_ago(35)}"
    assert a.notes == ()


@pytest.mark.parametrize(
    ("start", "onset_days", "outcome"),
    [
        # care began 100 days ago, onset 13 days ago: only 13 days of care for this fracture
        (100, 13, Outcome.NOT_MET),
        (100, 14, Outcome.MET),
    ],
)
def test_two_week_minimum_is_counted_from_onset(
    start: int, onset_days: int, outcome: Outcome
) -> None:
    case = replace(candidate(onset_days=onset_days), conservative_care=(course(start),))
    assert find(assess(case, PRACTICE, on=ON), "conservative-care-2-weeks").outcome is outcome


def test_care_that_ended_before_onset_is_not_care_for_this_fracture() -> None:
    a = assess(with_care(course(60, ONSET_DAYS + 1)), MEDICARE, on=ON)
    assert find(a, "nsm-documented").outcome is Outcome.NOT_MET
    assert find(a, "nsm-documented").observed == "none recorded since symptom onset"
    assert a.notes == (
        f"bracing ended {days_ago(36)}, before symptom onset {days_ago(35)}: "
        "not counted as care for this fracture",
    )


def test_care_that_ended_on_the_onset_day_still_counts() -> None:
    a = assess(with_care(course(60, ONSET_DAYS)), MEDICARE, on=ON)
    assert find(a, "nsm-documented").outcome is Outcome.MET
    assert not any("ended" in n for n in a.notes)


def test_failed_care_before_onset_does_not_show_failure_for_this_fracture() -> None:
    a = assess(with_care(course(60, ONSET_DAYS + 1)), PRACTICE, on=ON)
    assert find(a, "no-relief").outcome is Outcome.UNKNOWN


def mri(days: int, **kw: object) -> ImagingStudy:
    return ImagingStudy(
        modality=Modality.MRI, study_date=days_ago(days), study_id=f"MR{days}",
        findings=(finding(**kw),),
    )  # fmt: skip


def with_imaging(*studies: ImagingStudy) -> Case:
    return replace(candidate(onset_days=ONSET_DAYS), imaging=studies)


def test_mri_the_day_before_onset_does_not_confirm_this_fracture() -> None:
    a = assess(with_imaging(mri(ONSET_DAYS + 1)), MEDICARE, on=ON)
    r = find(a, "advanced-imaging")
    assert r.outcome is Outcome.UNKNOWN
    note = (
        f"L1: MRI {days_ago(36)} (study MR36) is dated before symptom onset {days_ago(35)}, "
        "so it is not used as evidence about this fracture"
    )
    assert a.notes == (note,)
    assert note in as_text(a) and note in as_markdown(a)
    assert json.loads(json.dumps(assessment_to_dict(a)))["notes"] == [note]


def test_mri_on_the_onset_day_confirms_it() -> None:
    a = assess(with_imaging(mri(ONSET_DAYS)), MEDICARE, on=ON)
    assert find(a, "advanced-imaging").outcome is Outcome.MET
    assert a.notes == ()


@pytest.mark.parametrize(
    ("days", "outcome"), [(ONSET_DAYS + 1, Outcome.UNKNOWN), (ONSET_DAYS, Outcome.MET)]
)
def test_acute_imaging_before_onset_is_not_acute_imaging_of_this_fracture(
    days: int, outcome: Outcome
) -> None:
    # practice: imaging within 30 days showing acute; onset 20 days ago, study 21 or 20 days ago
    case = replace(candidate(onset_days=20), imaging=(mri(days - ONSET_DAYS + 20),))
    a = assess(case, PRACTICE, on=ON)
    assert find(a, "imaging-shows-acute").outcome is outcome
    assert find(a, "imaging-within-30-days").outcome is outcome


def test_a_chronic_reading_before_onset_does_not_exclude_the_new_fracture() -> None:
    old = mri(ONSET_DAYS + 30, marrow_edema=None, appearance=Appearance.CHRONIC)
    a = assess(with_imaging(old, mri(10)), PRACTICE, on=ON)
    assert find(a, "not-chronic-on-imaging").outcome is Outcome.NOT_MET
    assert len(a.notes) == 1 and "MR65" in a.notes[0]


def test_retropulsion_before_onset_is_still_shown() -> None:
    # a contraindication is never silent, whatever the study's date
    old = mri(ONSET_DAYS + 5, retropulsion=True)
    a = assess(with_imaging(old, mri(10)), MEDICARE, on=ON)
    assert find(a, "retropulsion").outcome is Outcome.MET
