"""The practice policy's safety assessment: each contraindication on every side.

Present: the effect the clinical reference gives it (absolute: not a candidate;
relative: needs review). Recorded absent: no effect (the documented candidate stays a
candidate). Not recorded: the criterion is unknown and the decision waits for it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import NO_CONTRAINDICATIONS, ON, candidate, multi_level

from kypho.domain import Case, Etiology, Fracture, Level, Patient, Sex
from kypho.rules import Decision, Outcome, assess, load_policy

POLICY = load_policy("practice")
C, N, I, R = (  # noqa: E741
    Decision.CANDIDATE,
    Decision.NOT_CANDIDATE,
    Decision.NEEDS_INFORMATION,
    Decision.NEEDS_REVIEW,
)


def outcome_of(case: Case, criterion_id: str) -> tuple[Decision, Outcome]:
    """The decision, and the named top-level criterion's outcome (at the first level)."""
    a = assess(case, POLICY, on=ON)
    results = [*a.criteria, *(r for la in a.levels[:1] for r in la.criteria)]
    (found,) = [r for r in results if r.id == criterion_id]
    return a.decision, found.outcome


def with_flag(name: str, value: bool | None) -> Case:
    return replace(candidate(), contraindications=replace(NO_CONTRAINDICATIONS, **{name: value}))


def with_patient(**kw: object) -> Case:
    base = {"age_years": 34, "sex": Sex.FEMALE, "pregnant": False}
    base.update(kw)
    return replace(candidate(), patient=Patient(**base))  # type: ignore[arg-type]


def with_fracture(**kw: object) -> Case:
    case = candidate()
    fracture: Fracture = case.fractures[0]  # type: ignore[index]
    return replace(case, fractures=(replace(fracture, **kw),))


def test_the_documented_candidate_is_a_candidate() -> None:
    assert assess(candidate(), POLICY, on=ON).decision is C


def test_the_issue_case_is_not_a_candidate() -> None:
    """Pregnant 34-year-old, cement allergy, uncorrected coagulopathy, neurologic deficit."""
    flags = replace(
        NO_CONTRAINDICATIONS,
        cement_allergy=True,
        uncorrected_coagulopathy=True,
        neurologic_deficit=True,
    )
    case = replace(
        candidate(),
        patient=Patient(age_years=34, sex=Sex.FEMALE, pregnant=True),
        contraindications=flags,
    )
    a = assess(case, POLICY, on=ON)
    assert a.decision is N
    met = {r.id for r in a.criteria if r.outcome is Outcome.MET}
    assert {"pregnancy", "allergy", "coagulopathy", "neurologic-deficit"} <= met


INFECTIONS = ("osteomyelitis", "discitis", "systemic_infection", "surgical_site_infection")
RELATIVE_FLAGS = {
    "uncorrected_coagulopathy": "coagulopathy",
    "cement_allergy": "allergy",
    "contrast_allergy": "allergy",
    "spinal_instability": "instability",
    "myelopathy": "myelopathy",
    "neurologic_deficit": "neurologic-deficit",
    "neural_impingement": "neural-impingement",
}


@pytest.mark.parametrize("flag", INFECTIONS)
@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, (N, Outcome.MET)), (False, (C, Outcome.NOT_MET)), (None, (I, Outcome.UNKNOWN))],
)
def test_infection_is_absolute(flag: str, value: bool | None, expected: object) -> None:
    assert outcome_of(with_flag(flag, value), "infection") == expected


@pytest.mark.parametrize(("flag", "criterion"), sorted(RELATIVE_FLAGS.items()))
@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, (R, Outcome.MET)), (False, (C, Outcome.NOT_MET)), (None, (I, Outcome.UNKNOWN))],
)
def test_relative_contraindications_need_review(
    flag: str, criterion: str, value: bool | None, expected: object
) -> None:
    assert outcome_of(with_flag(flag, value), criterion) == expected


@pytest.mark.parametrize(
    ("pregnant", "expected"),
    [(True, (N, Outcome.MET)), (False, (C, Outcome.NOT_MET)), (None, (I, Outcome.UNKNOWN))],
)
def test_pregnancy_is_absolute(pregnant: bool | None, expected: object) -> None:
    assert outcome_of(with_patient(pregnant=pregnant), "pregnancy") == expected


@pytest.mark.parametrize(
    ("attributed", "expected"),
    [(False, (N, Outcome.MET)), (True, (C, Outcome.NOT_MET)), (None, (I, Outcome.UNKNOWN))],
)
def test_pain_not_from_the_fracture_is_absolute(attributed: bool | None, expected: object) -> None:
    case = with_fracture(pain_attributed_to_fracture=attributed)
    assert outcome_of(case, "pain-not-from-fracture") == expected


@pytest.mark.parametrize(
    ("retropulsion", "expected"),
    [(True, (R, Outcome.MET)), (False, (C, Outcome.NOT_MET)), (None, (I, Outcome.UNKNOWN))],
)
def test_retropulsion_needs_review(retropulsion: bool | None, expected: object) -> None:
    assert outcome_of(candidate(retropulsion=retropulsion), "retropulsion") == expected


@pytest.mark.parametrize(
    ("etiology", "expected"),
    [
        (Etiology.METASTASIS, (R, Outcome.MET)),
        (Etiology.MYELOMA, (R, Outcome.MET)),
        (Etiology.OSTEOPOROTIC, (C, Outcome.NOT_MET)),
        (None, (I, Outcome.UNKNOWN)),
    ],
)
def test_malignant_cause_needs_review(etiology: Etiology | None, expected: object) -> None:
    assert outcome_of(with_fracture(etiology=etiology), "malignant-cause") == expected


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((Level.L1, Level.L2, Level.L3), (C, Outcome.NOT_MET)),
        ((Level.T12, Level.L1, Level.L2, Level.L3), (R, Outcome.MET)),
    ],
)
def test_more_than_three_levels_needs_review(levels: tuple[Level, ...], expected: object) -> None:
    assert outcome_of(multi_level(levels), "more-than-three-levels") == expected


def test_levels_unknown_without_fractures_or_plan() -> None:
    a = assess(replace(candidate(), fractures=None), POLICY, on=ON)
    (found,) = [r for r in a.criteria if r.id == "more-than-three-levels"]
    assert found.outcome is Outcome.UNKNOWN
    assert a.decision is I


@pytest.mark.parametrize(
    ("age", "expected"),
    [(17, (R, Outcome.MET)), (18, (C, Outcome.NOT_MET)), (None, (I, Outcome.UNKNOWN))],
)
def test_under_18_needs_review(age: int | None, expected: object) -> None:
    assert outcome_of(with_patient(age_years=age), "under-18") == expected


@pytest.mark.parametrize(("level", "warned"), [(Level.T4, True), (Level.T5, False)])
def test_upper_thoracic_is_a_warning_only(level: Level, warned: bool) -> None:
    a = assess(candidate(level=level), POLICY, on=ON)
    assert a.decision is C
    assert (f"{level}: T1-T4 is an uncommon level for augmentation" in a.warnings) is warned


@pytest.mark.parametrize(
    "criterion",
    [
        "pregnancy",
        "coagulopathy",
        "allergy",
        "instability",
        "myelopathy",
        "neurologic-deficit",
        "neural-impingement",
        "more-than-three-levels",
        "malignant-cause",
        "under-18",
    ],
)
def test_each_contraindication_cites_a_seed_and_the_reference(criterion: str) -> None:
    sources = [c.source for c in POLICY.criterion(criterion).citations]
    assert any(s.startswith("00") and ".txt" in s for s in sources), sources
    assert any(s.startswith("clinical-reference.md") for s in sources), sources
