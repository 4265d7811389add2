"""A CT's low bone density flag reaches the plan and the discharge sheet built from it.

Pickhardt 2013 (clinical reference 6.1): at or below 160 HU a DXA referral is suggested
(90 % sensitive); 160 HU itself is flagged, 160.1 HU is not. The plan carries the steps,
so the documents built later from the plan alone (the CLI and the app) name the finding.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from kypho.casefile import load_case
from kypho.config import Settings
from kypho.documents import plan_sections
from kypho.documents.discharge import BONE_TEST, CT_BONE_TEST
from kypho.domain import Case
from kypho.domain.imaging import BoneDensity, ImagingStudy, Modality
from kypho.domain.levels import Level
from kypho.pathway.schedule import CT_DENSITY_PREFIX, OSTEOPOROSIS_STEPS
from kypho.policyfile import load_policy
from kypho.workflows.documents import DocumentKind, build_documents
from kypho.workflows.plan import plan_case

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON, DAY = date(2026, 11, 21), date(2026, 11, 26)
END = datetime(2026, 11, 26, 9, 0)
SETTINGS = Settings(clinic_name="Example Spine Clinic", clinic_phone="555-0100",
                    clinic_time_zone="America/Chicago")  # fmt: skip


def _with_ct_density(mean_hu: float) -> Case:
    case = load_case(EXAMPLES / "01-acute-l1-worsening-candidate.json")
    ct = ImagingStudy(modality=Modality.CT, study_date=date(2026, 11, 10), study_id="CT-D",
                      bone_density=BoneDensity(level=Level.L2, mean_hu=mean_hu))  # fmt: skip
    care = replace(case.continuum_of_care, bmd_referral_with_education=None)
    return replace(case, imaging=(*case.imaging, ct), continuum_of_care=care)


def _planned(case: Case):  # type: ignore[no-untyped-def]
    return plan_case(case, load_policy("practice"), on=ON, procedure_date=DAY).plan


@pytest.mark.parametrize(("mean_hu", "flagged"), [(110.0, True), (160.0, True), (160.1, False)])
def test_the_plan_names_a_low_ct_density_and_the_discharge_sheet_follows(
    tmp_path: Path, mean_hu: float, flagged: bool
) -> None:
    plan = _planned(_with_ct_density(mean_hu))
    assert not plan.refused
    first = plan.osteoporosis_steps[0]
    assert first.startswith(CT_DENSITY_PREFIX) is flagged
    if flagged:
        assert "L2" in first and f"{mean_hu:g} HU" in first and "not a diagnosis" in first
    else:
        assert plan.osteoporosis_steps == OSTEOPOROSIS_STEPS
    sections = dict(plan_sections(plan))
    assert sections["Osteoporosis follow-through"] == list(plan.osteoporosis_steps)
    path = tmp_path / "discharge.html"
    files = build_documents(plan, {DocumentKind.DISCHARGE: path}, ended_at=END,
                            settings=SETTINGS, now=datetime(2026, 11, 21, 15, 0))  # fmt: skip
    sheet = html.unescape(files[path].decode("utf-8"))
    assert (CT_BONE_TEST in sheet) is flagged
    assert (BONE_TEST in sheet) is not flagged


def test_a_recorded_bmd_referral_is_not_suggested_again() -> None:
    case = _with_ct_density(100.0)
    care = replace(case.continuum_of_care, bmd_referral_with_education=True)
    plan = _planned(replace(case, continuum_of_care=care))
    assert plan.osteoporosis_steps == OSTEOPOROSIS_STEPS


def test_a_refused_plan_carries_no_follow_through() -> None:
    case = load_case(EXAMPLES / "09-discitis.json")
    assert _planned(case).osteoporosis_steps == ()
