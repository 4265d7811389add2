"""Derived values of the domain types, with answers written out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from kypho.domain import (
    Case,
    ConservativeTreatment,
    Etiology,
    Fracture,
    FunctionInstrument,
    FunctionScore,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    NsmModality,
    Patient,
    PlannedProcedure,
    parse_level,
)
from kypho.errors import InvalidInput, InvalidMeasurement


def test_levels_under_review_are_the_plan_else_the_fractures() -> None:
    fractures = (Fracture(level=Level.T12), Fracture(level=Level.L2))
    case = Case(case_id="x", fractures=fractures)
    assert case.levels_under_review == (Level.T12, Level.L2)
    planned = Case(case_id="x", fractures=fractures, procedure=PlannedProcedure(levels=(Level.L2,)))
    assert planned.levels_under_review == (Level.L2,)
    assert Case(case_id="x").levels_under_review == ()
    assert case.fracture(Level.L2) is fractures[1]
    assert case.fracture(Level.L1) is None


def test_fracture_age_and_etiology_kinds() -> None:
    fracture = Fracture(level=Level.L1, symptom_onset_date=date(2026, 3, 1))
    assert fracture.age_days(date(2026, 3, 15)) == 14
    assert Fracture(level=Level.L1).age_days(date(2026, 3, 15)) is None
    assert Etiology.STEROID_INDUCED.is_osteoporotic and not Etiology.MYELOMA.is_osteoporotic
    assert Etiology.METASTASIS.is_malignant and not Etiology.TRAUMATIC.is_malignant


def test_study_labels_and_advanced_modalities() -> None:
    mri = ImagingStudy(modality=Modality.MRI, study_date=date(2026, 10, 1), study_id="S1")
    assert mri.label == "MRI 2026-10-01 (study S1)"
    assert ImagingStudy(modality=Modality.BONE_SCAN).label == "bone scan undated"
    assert Modality.SPECT.is_advanced and not Modality.RADIOGRAPH.is_advanced
    assert mri.finding(Level.L1) is None


def test_height_loss_needs_all_three_heights() -> None:
    partial = LevelFinding(level=Level.L1, anterior_height_mm=15, middle_height_mm=20)
    assert partial.heights_mm is None and partial.effective_height_loss_pct is None
    flat = LevelFinding(
        level=Level.L1, anterior_height_mm=0, middle_height_mm=0, posterior_height_mm=0
    )
    assert flat.effective_height_loss_pct is None  # no height to compare against
    assert flat.height_loss_range_pct is None


def test_a_zero_reference_height_is_refused() -> None:
    with pytest.raises(InvalidMeasurement, match=r"reference_height_mm: expected > 0 mm, got 0"):
        LevelFinding(level=Level.L1, reference_height_mm=0)


def test_parse_level_keeps_a_level() -> None:
    assert parse_level(Level.S1) is Level.S1


def test_weight_in_pounds() -> None:
    assert Patient(weight_kg=50).weight_lb == pytest.approx(110.23, abs=0.01)
    assert Patient().weight_lb is None


@pytest.mark.parametrize(
    ("instrument", "score", "message"),
    [
        (FunctionInstrument.RDQ, 12.5, r"function \(RDQ\)\.score: expected a whole number"),
        (FunctionInstrument.RDQ, 25, r"function \(RDQ\)\.score: expected a number from 0 to 24"),
        (FunctionInstrument.ODI, 100.5, r"function \(ODI\)\.score: .* 0 to 100 %"),
    ],
)
def test_function_score_ranges(instrument: FunctionInstrument, score: float, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        FunctionScore(instrument=instrument, score=score)
    assert FunctionScore(instrument=FunctionInstrument.RDQ, score=24).score == 24
    assert FunctionScore(instrument=FunctionInstrument.ODI, score=100).score == 100


def test_conservative_care_dates_and_duration() -> None:
    with pytest.raises(InvalidInput, match=r"end_date: expected on or after the start date"):
        ConservativeTreatment(
            modality=NsmModality.BRACING, start_date=date(2026, 3, 2), end_date=date(2026, 3, 1)
        )
    course = ConservativeTreatment(
        modality=NsmModality.BRACING, start_date=date(2026, 3, 1), end_date=date(2026, 3, 15)
    )
    assert course.duration_days(date(2026, 4, 1)) == 14  # ended on the 15th
    assert course.duration_days(date(2026, 3, 8)) == 7  # still running on the 8th
    open_course = ConservativeTreatment(
        modality=NsmModality.ANALGESICS, start_date=date(2026, 3, 1)
    )
    assert open_course.duration_days(date(2026, 3, 11)) == 10
    assert open_course.duration_days(date(2026, 2, 1)) == 0  # not yet started
    assert (
        ConservativeTreatment(modality=NsmModality.BED_REST).duration_days(date(2026, 3, 1)) is None
    )
