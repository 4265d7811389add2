"""The plan for an example case, checked item by item."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kypho.domain import Level
from kypho.planning import (
    Anesthesia,
    Approach,
    CheckStatus,
    FactorStatus,
    Setting,
    build_plan,
)
from kypho.rules.types import Decision


def test_two_level_plan_item_by_item(case, assessment) -> None:
    plan = build_plan(case, assessment, procedure_date=date(2026, 3, 10))
    assert not plan.refused
    assert [lp.level for lp in plan.levels] == [Level.T12, Level.L1]
    assert [lp.billing_code for lp in plan.levels] == ["22513", "+22515"]
    assert all(lp.approach is Approach.BIPEDICULAR for lp in plan.levels)
    assert all(lp.alternative is Approach.UNIPEDICULAR for lp in plan.levels)
    t12, l1 = plan.levels
    # T12: (26 - 14) / 26 = 46 % loss from measured heights -> Genant 3, large balloon
    assert t12.cement.basis == "morphometry"
    assert t12.cement.balloon_size_class.startswith("20/3")
    assert (t12.cement.volume_low_ml, t12.cement.volume_high_ml) == (6.0, 8.0)
    # L1: reported 30 % -> Genant 2, medium balloon, 4.5-6.0 mL
    assert l1.cement.balloon_size_class.startswith("15/")
    assert (l1.cement.volume_low_ml, l1.cement.volume_high_ml) == (4.5, 6.0)
    assert (plan.duration_low_min, plan.duration_high_min) == (60, 120)
    assert plan.anesthesia.value == Anesthesia.LOCAL_WITH_SEDATION
    assert plan.setting.value == Setting.OFFICE_SUITE
    assert plan.overnight_stay.value == "not expected"
    assert plan.warnings == ()
    assert "kypho is decision support" in plan.disclaimer


def test_every_reason_has_a_citation(case, assessment) -> None:
    plan = build_plan(case, assessment, procedure_date=date(2026, 3, 10))
    reasons = [plan.duration_reason, *plan.anesthesia.reasons, *plan.setting.reasons]
    for lp in plan.levels:
        reasons += [lp.approach_reason, lp.alternative_trade_offs, lp.cement.reason]
        reasons.append(lp.billing_reason)
    assert all(r.citations for r in reasons)
    assert all(item.citations for item in plan.checklist)


def test_checklist_for_a_date_inside_the_window(case, assessment) -> None:
    plan = build_plan(case, assessment, procedure_date=date(2026, 3, 10))
    status = {item.item.split(" (")[0]: item.status for item in plan.checklist}
    assert status["Imaging within 30 days of the procedure"] is CheckStatus.DONE  # 18 days
    assert status["Coagulation review"] is CheckStatus.NOT_NEEDED  # both recorded absent
    assert status["Informed consent signed"] is CheckStatus.TO_DO
    assert status["Driver arranged"] is CheckStatus.TO_DO
    assert status["Fasting before sedation"] is CheckStatus.TO_DO


def test_stale_imaging_and_anticoagulants_need_attention(new_case, assessment) -> None:
    plan = build_plan(new_case(on_anticoagulants=True), assessment,
                      procedure_date=date(2026, 3, 25))  # fmt: skip
    items = {item.item.split(" (")[0]: item for item in plan.checklist}
    imaging = items["Imaging within 30 days of the procedure"]
    assert imaging.status is CheckStatus.NEEDS_ATTENTION
    assert "33 days" in imaging.detail
    assert items["Coagulation review"].status is CheckStatus.NEEDS_ATTENTION
    assert plan.setting.value == Setting.OUTPATIENT_DEPARTMENT


def test_date_outside_the_window_warns_but_plans(case, assessment) -> None:
    plan = build_plan(case, assessment, procedure_date=date(2026, 4, 15))
    assert not plan.refused
    assert any("outside the window 2026-03-02 to 2026-03-27" in w for w in plan.warnings)
    assert any("repeat imaging" in w for w in plan.warnings)


def test_no_window_and_no_date_are_named(case, new_assessment) -> None:
    plan = build_plan(case, new_assessment(window=None))
    assert any("no procedure window" in w for w in plan.warnings)
    assert any(m.startswith("procedure date") for m in plan.missing)


def test_not_a_candidate_is_refused_with_reasons(case, new_assessment) -> None:
    plan = build_plan(
        case, new_assessment(Decision.NOT_CANDIDATE), procedure_date=date(2026, 3, 10)
    )
    assert plan.refused
    assert plan.levels == ()
    assert plan.refusal_reasons[0] == "decision under policy practice: not a candidate"
    assert any(r.startswith("T12: not met: Fracture is under 12 weeks old") for r in
               plan.refusal_reasons)  # fmt: skip


def test_override_is_recorded_and_plans_all_reviewed_levels(case, new_assessment) -> None:
    plan = build_plan(
        case,
        new_assessment(Decision.NOT_CANDIDATE),
        procedure_date=date(2026, 3, 10),
        override_reason="  tumour board  ",
        overridden_by=" Dr Ada Osei ",
    )
    assert not plan.refused
    assert plan.override_reason == "tumour board"
    assert plan.overridden_by == "Dr Ada Osei"
    assert [lp.level for lp in plan.levels] == [Level.T12, Level.L1]
    assert plan.warnings[0] == (
        "OVERRIDE by Dr Ada Osei: tumour board; without it the plan is refused for 3 reason(s):"
    )
    assert plan.warnings[1] == "overridden: decision under policy practice: not a candidate"
    assert plan.refusal_reasons[0] == "decision under policy practice: not a candidate"
    assert len(plan.refusal_reasons) == 3  # decision and the two levels' unmet criterion


def test_needs_review_plans_with_each_review_reason_on_top_and_no_override(
    case, new_assessment
) -> None:
    plan = build_plan(case, new_assessment(Decision.NEEDS_REVIEW), procedure_date=date(2026, 3, 10),
                      override_reason="not needed", overridden_by="Dr Ada Osei")  # fmt: skip
    assert not plan.refused and plan.refusal_reasons == ()
    assert plan.override_reason is None and plan.overridden_by is None  # nothing to override
    assert [lp.level for lp in plan.levels] == [Level.T12, Level.L1]


def test_three_levels_general_anesthesia_hospital_overnight(case, new_assessment) -> None:
    levels = (Level.T11, Level.T12, Level.L1)
    plan = build_plan(case, new_assessment(levels=levels), procedure_date=date(2026, 3, 10))
    assert [lp.billing_code for lp in plan.levels] == ["22513", "+22515", "+22515"]
    assert (plan.duration_low_min, plan.duration_high_min) == (90, 180)
    assert plan.anesthesia.value == Anesthesia.GENERAL
    assert plan.setting.value == Setting.OUTPATIENT_DEPARTMENT
    assert plan.overnight_stay.value == "expected"
    # T11 has no imaging finding: typical volume, and the missing fact is named
    assert plan.levels[0].cement.basis == "published typical"
    assert any(m.startswith("height loss at T11") for m in plan.missing)


def test_hospitalized_patient_is_planned_in_hospital_overnight(case, assessment) -> None:
    pain = (replace(case.pain[0], hospitalized=True),)
    plan = build_plan(replace(case, pain=pain), assessment, procedure_date=date(2026, 3, 10))
    assert plan.setting.value == Setting.HOSPITAL
    assert plan.overnight_stay.value == "expected"
    assert "hospitalized patient" in plan.overnight_stay.reasons[0].text


def test_unknown_asa_is_named_missing(new_case, assessment) -> None:
    plan = build_plan(new_case(asa_class=None), assessment, procedure_date=date(2026, 3, 10))
    assert any(m.startswith("patient.asa_class") for m in plan.missing)


def test_risk_factors_picked_up_from_the_case(case, assessment) -> None:
    plan = build_plan(case, assessment, procedure_date=date(2026, 3, 10))
    status = {rf.name: rf.status for rf in plan.risk_factors}
    assert status["Female over 70"] is FactorStatus.PRESENT
    assert status["Weight under 125 lb"] is FactorStatus.PRESENT  # 52 kg = 115 lb
    assert status["Cigarette smoking"] is FactorStatus.PRESENT
    assert status["Chronic steroid use"] is FactorStatus.ABSENT
    assert status["Chronic alcohol use"] is FactorStatus.NOT_RECORDED
    assert status["More than one vertebral fracture"] is FactorStatus.PRESENT
