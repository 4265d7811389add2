"""Medicare LCD L34106: the reference's vignettes and every threshold on both sides."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import NO_CONTRAINDICATIONS, ON, candidate, days_ago, finding, multi_level

from kypho.domain import (
    Case,
    ContinuumOfCare,
    Etiology,
    FunctionInstrument,
    FunctionScore,
    ImagingStudy,
    Level,
    Modality,
)
from kypho.rules import CriterionResult, Decision, Outcome, assess, load_policy

POLICY = load_policy("medicare-l34106")


def decide(case: Case) -> Decision:
    return assess(case, POLICY, on=ON).decision


def result(case: Case, criterion: str) -> CriterionResult:
    a = assess(case, POLICY, on=ON)
    results = list(a.criteria) + [r for la in a.levels for r in la.criteria]
    stack = list(results)
    while stack:
        r = stack.pop()
        if r.id == criterion:
            return r
        stack.extend(r.children)
    raise AssertionError(f"criterion {criterion} not in the assessment")


def outcome(case: Case, criterion: str) -> Outcome:
    return result(case, criterion).outcome


def stable_pain(case: Case, rdq: int, height_loss_pct: float) -> Case:
    """Vignettes 6/7: stable pain 5, so path B needs two secondary findings."""
    case = candidate(
        pain=(5, 5), height_loss_pct=height_loss_pct, kyphotic_deformity=False, progression=False
    )
    return replace(case, function=(FunctionScore(instrument=FunctionInstrument.RDQ, score=rdq),))


def test_vignette_1_acute_outpatient_worsening_is_candidate() -> None:
    a = assess(candidate(onset_days=41), POLICY, on=ON)
    assert a.decision is Decision.CANDIDATE
    assert a.billing_codes == ("22514 (L1)",)
    assert a.disclaimer.startswith("Decision support only")


@pytest.mark.parametrize(
    ("onset_days", "expected"),
    [
        (41, Decision.CANDIDATE),  # 5 weeks 6 days: acute
        (42, Decision.CANDIDATE),  # 6 weeks 0 days: subacute, still covered
        (84, Decision.CANDIDATE),  # 12 weeks 0 days: last covered day
        (85, Decision.NOT_CANDIDATE),  # 12 weeks 1 day: chronic
    ],
)
def test_fracture_age_boundaries(onset_days: int, expected: Decision) -> None:
    assert decide(candidate(onset_days=onset_days)) is expected


@pytest.mark.parametrize(("score", "expected"), [(7, Outcome.NOT_MET), (8, Outcome.MET)])
def test_hospitalized_pain_threshold_is_8(score: float, expected: Outcome) -> None:
    case = candidate(pain=(score, score), hospitalized=True)
    assert outcome(case, "path-a-hospitalized") is expected
    assert outcome(case, "symptomatic") is expected


def test_vignette_4_hospitalized_bone_scan_without_nsm_is_candidate() -> None:
    case = candidate(level=Level.T12, pain=(8, 8), hospitalized=True)
    scan = ImagingStudy(
        modality=Modality.BONE_SCAN,
        study_date=days_ago(5),
        findings=(finding(Level.T12, marrow_edema=None, uptake=True),),
    )
    case = replace(case, imaging=(scan,), conservative_care=None)
    a = assess(case, POLICY, on=ON)
    assert a.decision is Decision.CANDIDATE
    assert a.billing_codes == ("22513 (T12)",)


@pytest.mark.parametrize(("score", "expected"), [(4, Outcome.NOT_MET), (5, Outcome.MET)])
def test_outpatient_pain_threshold_is_5(score: float, expected: Outcome) -> None:
    assert outcome(candidate(pain=(score - 1, score)), "pain-at-least-5") is expected


def test_vignette_8_outpatient_pain_4_worsening_is_not_candidate() -> None:
    assert decide(candidate(pain=(3, 4))) is Decision.NOT_CANDIDATE


@pytest.mark.parametrize(
    ("height_loss_pct", "expected"),
    [(25.0, Decision.NOT_CANDIDATE), (25.1, Decision.CANDIDATE), (26.0, Decision.CANDIDATE)],
)
def test_height_loss_must_exceed_25_pct(height_loss_pct: float, expected: Decision) -> None:
    # RDQ 18 gives one finding; > 25 % height loss must supply the second.
    assert decide(stable_pain(candidate(), rdq=18, height_loss_pct=height_loss_pct)) is expected


@pytest.mark.parametrize(
    ("loss_range", "expected"),
    [
        ((12.0, 25.0), Outcome.NOT_MET),  # the whole range at or below 25 %: not met
        ((12.0, 25.1), Outcome.UNKNOWN),  # the range reaches across 25 %: unknown
        ((24.9, 36.0), Outcome.UNKNOWN),
        ((25.1, 36.0), Outcome.MET),  # the whole range above 25 %: met
    ],
)
def test_a_measured_loss_whose_range_straddles_25_pct_is_unknown(
    loss_range: tuple[float, float], expected: Outcome
) -> None:
    lo, hi = loss_range
    case = candidate(height_loss_pct=(lo + hi) / 2, height_loss_min_pct=lo, height_loss_max_pct=hi)
    found = result(case, "height-loss-over-25")
    assert found.outcome is expected
    assert f"(measured range {lo:.1f}-{hi:.1f} %)" in found.observed
    assert (found.missing != ()) is (expected is Outcome.UNKNOWN)


@pytest.mark.parametrize(
    ("rdq", "expected"), [(17, Decision.NOT_CANDIDATE), (18, Decision.CANDIDATE)]
)
def test_rdq_must_exceed_17(rdq: int, expected: Decision) -> None:
    assert decide(stable_pain(candidate(), rdq=rdq, height_loss_pct=30)) is expected


def test_stable_pain_with_unknown_findings_needs_information() -> None:
    case = replace(candidate(pain=(5, 5)), function=None)
    a = assess(case, POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
    facts = {m.fact for m in a.missing}
    assert {"height_loss_pct", "rdq_score", "kyphotic_deformity", "height_progression"} <= facts


@pytest.mark.parametrize(
    ("level", "decision", "warned"),
    [
        (Level.C7, Decision.NOT_CANDIDATE, False),
        (Level.T1, Decision.CANDIDATE, True),
        (Level.T4, Decision.CANDIDATE, True),
        (Level.T5, Decision.CANDIDATE, False),
        (Level.L5, Decision.CANDIDATE, False),
        (Level.S1, Decision.NOT_CANDIDATE, False),
    ],
)
def test_level_range_and_upper_thoracic_warning(
    level: Level, decision: Decision, warned: bool
) -> None:
    a = assess(candidate(level=level), POLICY, on=ON)
    assert a.decision is decision
    assert bool(a.warnings) is warned


def test_vignette_10_plain_film_alone_is_not_enough() -> None:
    film = ImagingStudy(
        modality=Modality.RADIOGRAPH,
        study_date=days_ago(3),
        findings=(finding(height_loss_pct=30),),
    )
    case = replace(candidate(), imaging=(film,))
    assert outcome(case, "advanced-imaging") is Outcome.UNKNOWN
    mri_negative = ImagingStudy(
        modality=Modality.MRI, study_date=days_ago(3), findings=(finding(marrow_edema=False),)
    )
    assert decide(replace(candidate(), imaging=(mri_negative,))) is Decision.NOT_CANDIDATE


def test_vignette_11_no_bmd_referral_is_not_candidate() -> None:
    care = ContinuumOfCare(bmd_referral_with_education=False, osteoporosis_program_instruction=True)
    assert decide(replace(candidate(), continuum_of_care=care)) is Decision.NOT_CANDIDATE


def test_missing_continuum_of_care_names_the_document() -> None:
    a = assess(replace(candidate(), continuum_of_care=ContinuumOfCare()), POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
    assert any("bone density" in m.document for m in a.missing)


@pytest.mark.parametrize(
    ("levels", "expected"), [(3, Decision.CANDIDATE), (4, Decision.NEEDS_REVIEW)]
)
def test_vignette_12_more_than_three_levels_needs_review(levels: int, expected: Decision) -> None:
    a = assess(multi_level((Level.T11, Level.T12, Level.L1, Level.L2)[:levels]), POLICY, on=ON)
    assert a.decision is expected
    assert len(a.billing_codes) == levels
    assert a.billing_codes[0] == "22513 (T11)"
    assert all(code.startswith("+22515") for code in a.billing_codes[1:])


@pytest.mark.parametrize(
    "change",
    [
        {"contraindications": replace(NO_CONTRAINDICATIONS, discitis=True)},
        {"contraindications": replace(NO_CONTRAINDICATIONS, systemic_infection=True)},
    ],
)
def test_vignette_13_infection_is_absolute(change: dict[str, object]) -> None:
    assert decide(replace(candidate(), **change)) is Decision.NOT_CANDIDATE  # type: ignore[arg-type]


def test_vignette_13_pregnancy_is_absolute() -> None:
    case = candidate()
    case = replace(case, patient=replace(case.patient, pregnant=True, age_years=35))
    assert decide(case) is Decision.NOT_CANDIDATE


def test_vignette_14_pain_from_another_cause_is_absolute() -> None:
    case = candidate()
    fracture = replace(case.fractures[0], pain_attributed_to_fracture=False)  # type: ignore[index]
    assert decide(replace(case, fractures=(fracture,))) is Decision.NOT_CANDIDATE


@pytest.mark.parametrize("etiology", [Etiology.METASTASIS, Etiology.MYELOMA, Etiology.TRAUMATIC])
def test_vignette_15_non_osteoporotic_is_out_of_scope(etiology: Etiology) -> None:
    case = candidate()
    fracture = replace(case.fractures[0], etiology=etiology)  # type: ignore[index]
    a = assess(replace(case, fractures=(fracture,)), POLICY, on=ON)
    assert a.decision is Decision.NOT_CANDIDATE
    assert a.levels[0].criteria[0].id == "osteoporotic-scope"
    assert a.levels[0].criteria[0].outcome is Outcome.NOT_MET


def test_steroid_induced_is_osteoporotic_for_the_lcd() -> None:
    case = candidate()
    fracture = replace(case.fractures[0], etiology=Etiology.STEROID_INDUCED)  # type: ignore[index]
    assert decide(replace(case, fractures=(fracture,))) is Decision.CANDIDATE


@pytest.mark.parametrize(
    "flag",
    [
        "cement_allergy",
        "uncorrected_coagulopathy",
        "spinal_instability",
        "myelopathy",
        "neurologic_deficit",
        "neural_impingement",
    ],
)
def test_relative_contraindications_need_review(flag: str) -> None:
    case = replace(candidate(), contraindications=replace(NO_CONTRAINDICATIONS, **{flag: True}))
    assert decide(case) is Decision.NEEDS_REVIEW


def test_retropulsion_on_imaging_needs_review() -> None:
    assert decide(candidate(retropulsion=True)) is Decision.NEEDS_REVIEW


def test_unassessed_contraindication_needs_information() -> None:
    case = replace(candidate(), contraindications=replace(NO_CONTRAINDICATIONS, myelopathy=None))
    a = assess(case, POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
    assert [m.fact for m in a.missing] == ["myelopathy"]


def test_empty_case_needs_the_fracture_levels() -> None:
    a = assess(Case(case_id="empty"), POLICY, on=ON)
    assert a.decision is Decision.NEEDS_INFORMATION
    assert a.missing[-1].fact == "fractures"
