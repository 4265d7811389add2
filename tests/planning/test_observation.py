"""Observation after the procedure follows the anesthesia, the setting and the overnight stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from kypho.casefile import load_case
from kypho.domain import Level
from kypho.planning import (
    Anesthesia,
    Discharge,
    OvernightStay,
    Setting,
    build_plan,
    plan_observation,
)
from kypho.rules import assess, load_policy
from planning.conftest import make_assessment, make_case

EXAMPLES = Path(__file__).parents[2] / "examples" / "cases"
DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("anesthesia", "setting", "overnight", "hospitalized", "discharge", "minutes"),
    [
        (Anesthesia.LOCAL_WITH_SEDATION, Setting.OFFICE_SUITE, OvernightStay.NOT_EXPECTED, False,
         Discharge.SAME_DAY_OFFICE, (15, 30)),
        (Anesthesia.GENERAL, Setting.OFFICE_SUITE, OvernightStay.NOT_EXPECTED, False,
         Discharge.SAME_DAY_OFFICE, (120, 240)),  # the office line is for local with sedation
        (Anesthesia.LOCAL_WITH_SEDATION, Setting.OUTPATIENT_DEPARTMENT,
         OvernightStay.NOT_EXPECTED, False, Discharge.SAME_DAY_AFTER_RECOVERY, (120, 240)),
        (Anesthesia.GENERAL, Setting.OUTPATIENT_DEPARTMENT, OvernightStay.EXPECTED, False,
         Discharge.OVERNIGHT, (120, 240)),
        (Anesthesia.LOCAL_WITH_SEDATION, Setting.HOSPITAL, OvernightStay.EXPECTED, True,
         Discharge.INPATIENT, (120, 240)),
    ],
)  # fmt: skip
def test_observation_table(anesthesia, setting, overnight, hospitalized, discharge, minutes):
    obs = plan_observation(anesthesia=anesthesia, setting=setting, overnight=overnight,
                           hospitalized=hospitalized)  # fmt: skip
    assert obs.discharge is discharge
    assert (obs.low_min, obs.high_min) == minutes
    assert obs.reason.citations


def test_office_case_gets_the_clinic_line() -> None:
    plan = build_plan(make_case(), make_assessment(), procedure_date=DAY)
    assert plan.setting.value is Setting.OFFICE_SUITE
    assert plan.overnight_stay.value is OvernightStay.NOT_EXPECTED
    assert plan.observation.discharge is Discharge.SAME_DAY_OFFICE
    assert (plan.observation.low_min, plan.observation.high_min) == (15, 30)
    assert "004_243690246ebd197d.txt" in {c.source for c in plan.observation.reason.citations}


def test_anticoagulated_patient_recovers_hours_in_the_outpatient_department() -> None:
    plan = build_plan(make_case(on_anticoagulants=True), make_assessment(), procedure_date=DAY)
    assert plan.setting.value is Setting.OUTPATIENT_DEPARTMENT
    assert plan.observation.discharge is Discharge.SAME_DAY_AFTER_RECOVERY
    assert (plan.observation.low_min, plan.observation.high_min) == (120, 240)


def test_hospitalized_patient_goes_back_to_the_ward(case, assessment) -> None:
    pain = (replace(case.pain[0], hospitalized=True),)
    plan = build_plan(replace(case, pain=pain), assessment, procedure_date=DAY)
    assert plan.observation.discharge is Discharge.INPATIENT


def test_choices_are_typed() -> None:
    levels = (Level.T11, Level.T12, Level.L1)
    plan = build_plan(make_case(), make_assessment(levels=levels), procedure_date=DAY)
    assert plan.anesthesia.value is Anesthesia.GENERAL
    assert plan.overnight_stay.value is OvernightStay.EXPECTED
    assert plan.observation.discharge is Discharge.OVERNIGHT


def test_ex07_four_levels_general_overnight_is_not_the_office_line() -> None:
    case = load_case(EXAMPLES / "07-four-levels-one-session.json")
    assessment = assess(case, load_policy("practice"), on=date(2026, 11, 21))
    # the practice policy may ask for review of 4 levels; the physician overrides
    plan = build_plan(case, assessment, override_reason="four painful levels, one session",
                      overridden_by="Dr Ada Osei")  # fmt: skip
    assert not plan.refused
    assert [lp.level for lp in plan.levels] == [Level.T11, Level.T12, Level.L1, Level.L2]
    assert plan.anesthesia.value is Anesthesia.GENERAL
    assert plan.overnight_stay.value is OvernightStay.EXPECTED
    assert plan.observation.discharge is Discharge.OVERNIGHT
    assert (plan.observation.low_min, plan.observation.high_min) == (120, 240)
    assert "15-30" not in plan.observation.reason.text
    assert plan.procedure_date == date(2026, 11, 26)  # from the case file
    assert any(w.startswith("relative contraindication: More than 3 levels") for w in plan.warnings)


@pytest.mark.parametrize(
    ("asa", "setting", "overnight", "discharge"),
    [
        (2, Setting.OFFICE_SUITE, OvernightStay.NOT_EXPECTED, Discharge.SAME_DAY_OFFICE),
        (3, Setting.OUTPATIENT_DEPARTMENT, OvernightStay.EXPECTED, Discharge.OVERNIGHT),
    ],
)
def test_asa_class_2_and_3(asa, setting, overnight, discharge) -> None:
    plan = build_plan(make_case(asa_class=asa), make_assessment(), procedure_date=DAY)
    assert (plan.setting.value, plan.overnight_stay.value) == (setting, overnight)
    assert plan.observation.discharge is discharge
    review = [r.text for r in plan.anesthesia.reasons if "anesthesia team to review" in r.text]
    assert review == (
        [] if asa == 2 else ["ASA class 3: anesthesia team to review before the day."]
    )


def test_unknown_hospital_status_is_named_missing(case, assessment) -> None:
    pain = (replace(case.pain[0], hospitalized=None),)
    plan = build_plan(replace(case, pain=pain), assessment, procedure_date=DAY)
    assert "pain[].hospitalized (setting, overnight stay)" in plan.missing
    assert plan.observation.discharge is Discharge.SAME_DAY_OFFICE
