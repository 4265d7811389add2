"""Absolute contraindications refuse, relative ones warn, overrides keep every reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kypho.domain import Case
from kypho.errors import InvalidInput
from kypho.planning import CheckStatus, build_plan
from kypho.rules import assess, load_policy
from kypho.rules.types import Decision, PolicyKind
from planning.conftest import make_assessment, make_case
from rules.builders import ON as RULES_ON
from rules.builders import candidate

DAY = date(2026, 3, 10)


def with_contraindications(case: Case, **facts: bool | None) -> Case:
    return replace(case, contraindications=replace(case.contraindications, **facts))


def coagulation(plan) -> tuple[CheckStatus, str]:
    item = next(i for i in plan.checklist if i.item.startswith("Coagulation review"))
    return item.status, item.detail


def test_the_issue_case_is_refused_whatever_the_policy_said() -> None:
    """Pregnant 34-year-old, cement allergy, uncorrected coagulopathy, neurologic deficit."""
    case = with_contraindications(
        make_case(age_years=34, pregnant=True),
        cement_allergy=True,
        uncorrected_coagulopathy=True,
        neurologic_deficit=True,
    )
    plan = build_plan(case, make_assessment(Decision.CANDIDATE), procedure_date=DAY)
    assert plan.refused
    assert plan.levels == ()
    assert plan.refusal_reasons == ("absolute contraindication: Pregnancy (patient.pregnant: yes)",)
    assert plan.warnings[:3] == (
        "relative contraindication: Uncorrected coagulopathy "
        "(contraindications.uncorrected_coagulopathy: yes)",
        "relative contraindication: Allergy to bone cement (contraindications.cement_allergy: yes)",
        "relative contraindication: Neurologic deficit (contraindications.neurologic_deficit: yes)",
    )
    assert coagulation(plan)[0] is CheckStatus.NEEDS_ATTENTION


def test_real_practice_policy_cannot_plan_a_pregnant_candidate() -> None:
    case = replace(candidate(), patient=replace(candidate().patient, pregnant=True))
    assessment = assess(case, load_policy("practice"), on=RULES_ON)
    plan = build_plan(case, assessment, procedure_date=RULES_ON)
    assert plan.refused
    assert "absolute contraindication: Pregnancy (patient.pregnant: yes)" in plan.refusal_reasons


def test_no_contraindication_plans_with_no_screen_warning() -> None:
    plan = build_plan(make_case(), make_assessment(), procedure_date=DAY)
    assert not plan.refused
    assert plan.refusal_reasons == ()
    assert plan.warnings == ()
    # 11 recorded, pregnancy, anticoagulants, 2 x (pain source, retropulsion), count, T1-T4,
    # malignant cause, age
    assert len(plan.safety) == 21


def test_absolute_contraindication_overridden_with_reason_keeps_and_restates_it() -> None:
    case = with_contraindications(make_case(), discitis=True)
    plan = build_plan(
        case, make_assessment(), procedure_date=DAY,
        override_reason="treated discitis, cultures negative", overridden_by="Dr Ada Osei",
    )  # fmt: skip
    assert not plan.refused
    assert len(plan.levels) == 2
    assert plan.refusal_reasons == (
        "absolute contraindication: Discitis (contraindications.discitis: yes)",
    )
    assert plan.warnings[:2] == (
        "OVERRIDE by Dr Ada Osei: treated discitis, cultures negative; without it the plan is "
        "refused for 1 reason(s):",
        "overridden: absolute contraindication: Discitis (contraindications.discitis: yes)",
    )
    assert (plan.override_reason, plan.overridden_by) == (
        "treated discitis, cultures negative",
        "Dr Ada Osei",
    )


def test_override_without_a_named_physician_says_so() -> None:
    case = with_contraindications(make_case(), discitis=True)
    plan = build_plan(case, make_assessment(), procedure_date=DAY, override_reason="board")
    assert plan.overridden_by is None
    assert plan.warnings[0].startswith("OVERRIDE by physician not named: board;")


@pytest.mark.parametrize("blank", ["", "   "])
def test_override_with_a_blank_reason_overrides_nothing(blank) -> None:
    case = with_contraindications(make_case(), discitis=True)
    plan = build_plan(
        case, make_assessment(), procedure_date=DAY, override_reason=blank, overridden_by="Dr X"
    )
    assert plan.refused
    assert plan.override_reason is None
    assert plan.refusal_reasons[-1].startswith("override not accepted: a physician's reason")


def test_override_on_a_plan_with_nothing_to_override_adds_no_warning() -> None:
    plan = build_plan(make_case(), make_assessment(), procedure_date=DAY, override_reason="x")
    assert not plan.refused
    assert plan.warnings == ()


def test_policy_refusal_and_absolute_contraindication_are_both_reasons() -> None:
    case = make_case(pregnant=True)
    plan = build_plan(case, make_assessment(Decision.NOT_CANDIDATE), procedure_date=DAY)
    assert plan.refusal_reasons[0] == "decision under policy practice: not a candidate"
    assert (
        plan.refusal_reasons[-1] == "absolute contraindication: Pregnancy (patient.pregnant: yes)"
    )


def test_unrecorded_absolute_contraindication_warns_and_is_missing() -> None:
    plan = build_plan(make_case(pregnant=None), make_assessment(), procedure_date=DAY)
    assert not plan.refused  # unknown stays unknown: not a refusal
    assert plan.warnings == (
        "not recorded: Pregnancy, an absolute contraindication: check before the procedure "
        "(case file field patient.pregnant)",
    )
    assert (
        "Pregnancy: not recorded (safety screen; case file field patient.pregnant)" in plan.missing
    )


def test_unrecorded_relative_contraindication_is_missing_not_warned() -> None:
    case = with_contraindications(make_case(), myelopathy=None)
    plan = build_plan(case, make_assessment(), procedure_date=DAY)
    assert plan.warnings == ()
    assert (
        "Myelopathy: not recorded (safety screen; case file field contraindications.myelopathy)"
    ) in plan.missing


@pytest.mark.parametrize(
    ("coagulopathy", "anticoagulants", "status"),
    [
        (False, False, CheckStatus.NOT_NEEDED),
        (True, False, CheckStatus.NEEDS_ATTENTION),
        (False, True, CheckStatus.NEEDS_ATTENTION),
        (True, None, CheckStatus.NEEDS_ATTENTION),
        (None, False, CheckStatus.NOT_RECORDED),
        (False, None, CheckStatus.NOT_RECORDED),
        (None, None, CheckStatus.NOT_RECORDED),
    ],
)
def test_coagulation_review_follows_both_facts(coagulopathy, anticoagulants, status) -> None:
    case = with_contraindications(
        make_case(on_anticoagulants=anticoagulants), uncorrected_coagulopathy=coagulopathy
    )
    got, detail = coagulation(build_plan(case, make_assessment(), procedure_date=DAY))
    assert got is status
    if coagulopathy is None or anticoagulants is None:
        assert "not recorded" in detail


def test_a_triage_policy_cannot_plan() -> None:
    triage = replace(make_assessment(), policy_id="vcf-suspicion", policy_kind=PolicyKind.TRIAGE)
    with pytest.raises(InvalidInput) as err:
        build_plan(make_case(), triage, procedure_date=DAY)
    message = str(err.value)
    assert message.startswith("--policy: expected a candidacy or coverage policy")
    assert "vcf-suspicion, a triage policy" in message
    assert "(advanced imaging indicated) says what to do next" in message


def test_the_caller_names_its_own_policy_field() -> None:
    triage = replace(make_assessment(), policy_kind=PolicyKind.TRIAGE)
    with pytest.raises(InvalidInput, match="^policy_id: expected a candidacy"):
        build_plan(make_case(), triage, procedure_date=DAY, policy_option="policy_id")


@pytest.mark.parametrize("kind", [PolicyKind.CANDIDACY, PolicyKind.COVERAGE])
def test_treatment_policies_can_plan(kind) -> None:
    plan = build_plan(make_case(), replace(make_assessment(), policy_kind=kind), procedure_date=DAY)
    assert not plan.refused


def test_real_triage_policy_refused_on_the_discitis_example() -> None:
    from pathlib import Path

    from kypho.casefile import load_case

    case = load_case(Path(__file__).parents[2] / "examples/cases/09-discitis.json")
    assessment = assess(case, load_policy("vcf-suspicion"), on=date(2026, 11, 21))
    with pytest.raises(InvalidInput, match="^--policy: "):
        build_plan(case, assessment)


def test_an_unknown_required_criterion_is_a_refusal_reason() -> None:
    from kypho.rules.types import CriterionResult, Outcome, Role

    unknown = CriterionResult(
        id="pain-at-least-5", text="Pain NRS >= 5", outcome=Outcome.UNKNOWN, role=Role.REQUIRE,
        observed="not recorded", threshold=">= 5", citations=(),
    )  # fmt: skip
    assessment = replace(
        make_assessment(Decision.NEEDS_INFORMATION), criteria=(unknown,), levels=()
    )
    plan = build_plan(make_case(), assessment, procedure_date=DAY)
    assert plan.refusal_reasons == (
        "decision under policy practice: needs information",
        "unknown: Pain NRS >= 5 (observed: not recorded; threshold: >= 5)",
    )
