"""The 2018 care pathway's suspicion score: bands, imaging indication, population."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import ON, candidate, with_signs

from kypho.domain import Etiology, Fracture, Patient
from kypho.rules import Decision, assess, load_policy

POLICY = load_policy("vcf-suspicion")


@pytest.mark.parametrize(
    ("present", "band"),
    [
        (0, "low"),
        (1, "low"),
        (3, "low"),
        (4, "intermediate"),
        (6, "intermediate"),
        (7, "high"),
        (10, "high"),
    ],
)
def test_score_bands(present: int, band: str) -> None:
    a = assess(with_signs(candidate(pain=(5, 5)), present), POLICY, on=ON)
    assert (a.score, a.score_band) == (present, band)


@pytest.mark.parametrize(
    ("present", "pain", "expected"),
    [
        (3, 6, Decision.NOT_CANDIDATE),  # low probability, moderate symptoms
        (4, 6, Decision.CANDIDATE),  # intermediate probability
        (3, 7, Decision.CANDIDATE),  # severe symptoms alone
    ],
)
def test_advanced_imaging_indication(present: int, pain: float, expected: Decision) -> None:
    a = assess(with_signs(candidate(pain=(pain, pain)), present), POLICY, on=ON)
    assert a.decision is expected


def test_unknown_signs_that_could_change_the_band_need_information() -> None:
    a = assess(with_signs(candidate(pain=(5, 5)), 2, unknown=2), POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
    assert a.score_band is not None and a.score_band.startswith("undetermined")
    assert len(a.missing) == 2


def test_unknown_signs_that_cannot_change_the_decision_are_not_asked_for() -> None:
    a = assess(with_signs(candidate(pain=(5, 5)), 4, unknown=3), POLICY, on=ON)
    assert a.decision is Decision.CANDIDATE
    assert a.missing == ()


def test_outside_the_population_needs_review() -> None:
    case = with_signs(candidate(pain=(8, 8)), 5)
    fracture: Fracture = case.fractures[0]  # type: ignore[index]
    malignant = replace(case, fractures=(replace(fracture, etiology=Etiology.METASTASIS),))
    assert assess(malignant, POLICY, on=ON).decision is Decision.NEEDS_REVIEW
    child = replace(case, patient=Patient(age_years=15, pregnant=False))
    assert assess(child, POLICY, on=ON).decision is Decision.NEEDS_REVIEW
    mild = with_signs(candidate(pain=(4, 4)), 5)
    assert assess(mild, POLICY, on=ON).decision is Decision.NEEDS_REVIEW
