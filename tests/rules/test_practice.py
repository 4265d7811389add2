"""The practice's criteria (seed clinic pages): each threshold on both sides."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import ON, candidate, days_ago

from kypho.domain import (
    Appearance,
    Case,
    ConservativeTreatment,
    Etiology,
    Fracture,
    ImagingStudy,
    Modality,
    NsmModality,
    Response,
)
from kypho.rules import Decision, assess, load_policy

POLICY = load_policy("practice")


def decide(case: Case) -> Decision:
    return assess(case, POLICY, on=ON).decision


def with_etiology(case: Case, etiology: Etiology) -> Case:
    fracture: Fracture = case.fractures[0]  # type: ignore[index]
    return replace(case, fractures=(replace(fracture, etiology=etiology),))


def test_documented_candidate_is_a_candidate() -> None:
    a = assess(candidate(), POLICY, on=ON)
    assert a.decision is Decision.CANDIDATE
    assert a.recommendation is not None and "practice" in a.recommendation


@pytest.mark.parametrize(
    ("onset_days", "expected"), [(84, Decision.CANDIDATE), (85, Decision.NOT_CANDIDATE)]
)
def test_fracture_within_12_weeks(onset_days: int, expected: Decision) -> None:
    assert decide(candidate(onset_days=onset_days)) is expected


@pytest.mark.parametrize(
    ("age_days", "expected"), [(30, Decision.CANDIDATE), (31, Decision.NOT_CANDIDATE)]
)
def test_imaging_within_30_days(age_days: int, expected: Decision) -> None:
    case = candidate()
    study: ImagingStudy = case.imaging[0]  # type: ignore[index]
    assert (
        decide(replace(case, imaging=(replace(study, study_date=days_ago(age_days)),))) is expected
    )


def test_chronic_appearance_is_excluded_even_when_recent() -> None:
    assert (
        decide(candidate(marrow_edema=None, appearance=Appearance.CHRONIC))
        is Decision.NOT_CANDIDATE
    )


@pytest.mark.parametrize(
    ("score", "expected"), [(6, Decision.NOT_CANDIDATE), (7, Decision.CANDIDATE)]
)
def test_severe_pain_is_nrs_7(score: float, expected: Decision) -> None:
    assert decide(candidate(pain=(score - 1, score))) is expected


@pytest.mark.parametrize(
    ("days", "expected"), [(13, Decision.NOT_CANDIDATE), (14, Decision.CANDIDATE)]
)
def test_conservative_care_for_two_weeks(days: int, expected: Decision) -> None:
    care = (
        ConservativeTreatment(
            modality=NsmModality.BRACING, start_date=days_ago(days), response=Response.UNCHANGED
        ),
    )
    assert decide(replace(candidate(), conservative_care=care)) is expected


def test_pain_relieved_by_conservative_care_is_not_candidate() -> None:
    care = (
        ConservativeTreatment(
            modality=NsmModality.ANALGESICS, start_date=days_ago(30), response=Response.IMPROVED
        ),
    )
    assert decide(replace(candidate(), conservative_care=care)) is Decision.NOT_CANDIDATE


def test_stable_pain_needs_another_indication() -> None:
    quiet = candidate(pain=(8, 8), height_loss_pct=20, kyphotic_deformity=False, progression=False)
    a = assess(quiet, POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION  # RDQ, reinforcement still unknown
    assert decide(with_etiology(quiet, Etiology.STEROID_INDUCED)) is Decision.CANDIDATE
    # painful cancer invasion is an indication, and a malignant cause is a review item
    assert decide(with_etiology(quiet, Etiology.METASTASIS)) is Decision.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("height_loss_pct", "expected"),
    [(25.0, Decision.NEEDS_INFORMATION), (25.1, Decision.CANDIDATE)],
)
def test_height_loss_over_25_pct_is_an_indication(
    height_loss_pct: float, expected: Decision
) -> None:
    case = candidate(pain=(8, 8), height_loss_pct=height_loss_pct)
    assert decide(case) is expected


def test_retropulsion_and_trauma_need_review() -> None:
    assert decide(candidate(retropulsion=True)) is Decision.NEEDS_REVIEW
    assert decide(with_etiology(candidate(), Etiology.TRAUMATIC)) is Decision.NEEDS_REVIEW


def test_missing_recent_imaging_names_the_mri() -> None:
    a = assess(replace(candidate(), imaging=None), POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
    assert "MRI of L1 within 30 days before the procedure" in [m.document for m in a.missing]


def test_window_closes_with_the_imaging_and_names_what_to_redo() -> None:
    case = candidate(onset_days=35)
    window = assess(case, POLICY, on=ON).procedure_window
    assert window is not None
    # conservative care began 28 days ago: the 14-day minimum was reached 14 days ago,
    # but a procedure cannot be before the assessment date
    care = next(c for c in window.constraints if c.criterion_id == "conservative-care-2-weeks")
    assert care.earliest == days_ago(14)
    assert window.earliest == ON
    # imaging 10 days ago: valid for 30 days, so it closes 20 days from now
    assert window.latest == days_ago(10 - 30)
    imaging = next(c for c in window.constraints if c.criterion_id == "imaging-within-30-days")
    assert "Repeat the imaging" in imaging.redo_after
    assert window.contains(ON) and not window.contains(days_ago(-21))


def test_unknown_modality_without_report_stays_unknown() -> None:
    film = ImagingStudy(modality=Modality.RADIOGRAPH, study_date=days_ago(2), findings=())
    a = assess(replace(candidate(), imaging=(film,)), POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
