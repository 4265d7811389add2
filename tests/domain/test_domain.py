"""Domain invariants: one entry per level, ranges with their units, derived values."""

from __future__ import annotations

from datetime import date

import pytest

from kypho.casefile import parse_case
from kypho.domain import (
    Case,
    Fracture,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    PainAssessment,
    Patient,
    PlannedProcedure,
    level_range,
    parse_level,
)
from kypho.errors import InvalidCaseFile, InvalidInput


def test_one_finding_per_level_in_a_study() -> None:
    twice = (LevelFinding(level=Level.L1), LevelFinding(level=Level.L1))
    with pytest.raises(InvalidInput, match="expected each level once, got L1 more than once"):
        ImagingStudy(modality=Modality.MRI, findings=twice)


def test_one_entry_per_level_in_a_plan_and_in_fractures() -> None:
    with pytest.raises(InvalidInput, match="procedure.levels"):
        PlannedProcedure(levels=(Level.T12, Level.L1, Level.T12))
    with pytest.raises(InvalidInput, match="fractures"):
        Case(case_id="x", fractures=(Fracture(level=Level.L2), Fracture(level=Level.L2)))


def test_case_file_names_the_file_for_a_domain_rule() -> None:
    text = '{"case_id": "x", "procedure": {"levels": ["L1", "L1"]}}'
    with pytest.raises(InvalidCaseFile, match=r"plan\.json: .*L1"):
        parse_case(text, source="plan.json")


def test_case_id_must_not_be_blank() -> None:
    with pytest.raises(InvalidInput, match="case_id"):
        Case(case_id="  ")


@pytest.mark.parametrize(("score", "ok"), [(-0.1, False), (0, True), (10, True), (10.1, False)])
def test_pain_score_range(score: float, ok: bool) -> None:
    if ok:
        assert PainAssessment(score=score).score == score
    else:
        with pytest.raises(InvalidInput, match="expected a number from 0 to 10"):
            PainAssessment(score=score)


def test_events_after_the_assessment_date_are_refused() -> None:
    case = Case(
        case_id="x", fractures=(Fracture(level=Level.L1, symptom_onset_date=date(2026, 5, 2)),)
    )
    case.check_not_after(date(2026, 5, 2))
    with pytest.raises(InvalidInput, match=r"fractures\[0\].symptom_onset_date"):
        case.check_not_after(date(2026, 5, 1))


def test_age_from_birth_date_wins_over_recorded_age() -> None:
    patient = Patient(birth_date=date(1950, 6, 1), age_years=99)
    assert patient.age_on(date(2026, 6, 1)) == 76
    assert patient.age_on(date(2026, 5, 31)) == 75
    assert Patient(age_years=80).age_on(date(2026, 1, 1)) == 80


def test_height_loss_from_heights_uses_the_reference_when_given() -> None:
    measured = LevelFinding(
        level=Level.L1, anterior_height_mm=15, middle_height_mm=20, posterior_height_mm=24
    )
    assert measured.effective_height_loss_pct == pytest.approx(37.5)
    with_reference = LevelFinding(
        level=Level.L1,
        anterior_height_mm=15,
        middle_height_mm=20,
        posterior_height_mm=24,
        reference_height_mm=30,
    )
    assert with_reference.effective_height_loss_pct == pytest.approx(50.0)
    reported = LevelFinding(
        level=Level.L1,
        height_loss_pct=10,
        anterior_height_mm=1,
        middle_height_mm=2,
        posterior_height_mm=3,
    )
    assert reported.effective_height_loss_pct == 10


@pytest.mark.parametrize(
    ("lo", "value", "hi"), [(20, 19.9, 30), (20, 30.1, 30), (20, None, 30), (None, 25, 30)]
)
def test_a_height_loss_range_must_hold_its_value(lo, value, hi) -> None:
    with pytest.raises(InvalidInput, match="finding L1: expected height_loss_min_pct <="):
        LevelFinding(
            level=Level.L1, height_loss_pct=value, height_loss_min_pct=lo, height_loss_max_pct=hi
        )
    ok = LevelFinding(
        level=Level.L1, height_loss_pct=25, height_loss_min_pct=20, height_loss_max_pct=30
    )
    assert ok.height_loss_range_pct == (20, 30)  # ends included: 20 <= 25 <= 30


@pytest.mark.parametrize("text", ["T13", "L6", "L7", "C0", "", "S2"])
def test_unknown_levels_are_refused_with_the_allowed_list(text: str) -> None:
    with pytest.raises(InvalidInput, match="C1-C7, T1-T12, L1-L5, S1"):
        parse_level(text)


def test_levels_are_ordered_cranio_caudally() -> None:
    assert parse_level(" t12 ") is Level.T12
    assert [str(lv) for lv in level_range(Level.L2, Level.T11)] == ["T11", "T12", "L1", "L2"]
    assert Level.C1.neighbour(-1) is None and Level.T12.neighbour(1) is Level.L1
