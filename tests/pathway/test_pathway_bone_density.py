"""A CT's low bone density flag reaches the osteoporosis steps and the discharge sheet.

Pickhardt 2013 (clinical reference 6.1): <= 160 HU 90 % sensitive, <= 110 HU more than
90 % specific; both inclusive. Each side of each threshold is tried.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kypho.documents import ClinicContact
from kypho.documents.discharge import BONE_TEST, CT_BONE_TEST, discharge_document
from kypho.domain import Case, ContinuumOfCare
from kypho.domain.imaging import BoneDensity, ContrastPhase, ImagingStudy, Modality
from kypho.domain.levels import Level
from kypho.pathway.schedule import (
    OSTEOPOROSIS_STEPS,
    bone_density_referral,
    osteoporosis_steps,
    recovery_pathway,
)
from kypho.planning.types import Discharge

CLINIC = ClinicContact(name="Spine Clinic", phone="555-0100")


def _case(mean_hu: float, *, referral: bool | None = None, day: int = 1) -> Case:
    ct = ImagingStudy(
        modality=Modality.CT,
        study_date=date(2026, 3, day),
        study_id="S2",
        bone_density=BoneDensity(
            level=Level.L1,
            mean_hu=mean_hu,
            contrast_phase=ContrastPhase.NON_CONTRAST,
            source="kypho measure 0.1 on study S2",
        ),
    )
    care = ContinuumOfCare(bmd_referral_with_education=referral)
    return Case(case_id="c1", imaging=(ct,), continuum_of_care=care)


@pytest.mark.parametrize(
    ("mean_hu", "threshold"),
    [(110.0, "<= 110 HU"), (110.1, "<= 160 HU"), (160.0, "<= 160 HU"), (60.0, "<= 110 HU")],
)
def test_a_flag_at_or_below_160_hu_suggests_a_dxa_naming_the_finding(
    mean_hu: float, threshold: str
) -> None:
    text = bone_density_referral(_case(mean_hu))
    assert text is not None
    assert text.startswith("Refer for bone mineral density (BMD) evaluation (DXA)")
    assert "CT 2026-03-01 (study S2)" in text and "L1" in text and f"{mean_hu:.0f} HU" in text
    assert threshold in text and "Pickhardt 2013" in text and "not a diagnosis" in text
    assert "contrast: non-contrast" in text and "kypho measure 0.1 on study S2" in text


@pytest.mark.parametrize("mean_hu", [160.1, 250.0])
def test_a_flag_above_160_hu_suggests_nothing_more(mean_hu: float) -> None:
    assert bone_density_referral(_case(mean_hu)) is None
    assert osteoporosis_steps(_case(mean_hu)) == OSTEOPOROSIS_STEPS


def test_a_recorded_bmd_referral_is_not_asked_for_again() -> None:
    assert bone_density_referral(_case(90.0, referral=True)) is None
    assert bone_density_referral(_case(90.0, referral=False)) is not None  # not done yet


def test_no_bone_density_keeps_the_standard_steps() -> None:
    case = Case(case_id="c1", imaging=(ImagingStudy(modality=Modality.CT),))
    assert osteoporosis_steps(case) == OSTEOPOROSIS_STEPS
    assert osteoporosis_steps(None) == OSTEOPOROSIS_STEPS


def test_the_newest_flagged_study_is_named() -> None:
    older, newer = _case(100.0, day=1).imaging or (), _case(150.0, day=20).imaging or ()
    case = Case(case_id="c1", imaging=(*newer, *older))
    text = bone_density_referral(case)
    assert text is not None and "2026-03-20" in text and "150 HU" in text


def _pathway(case: Case | None) -> object:
    return recovery_pathway(
        datetime(2026, 3, 10, 10, 0),
        discharge=Discharge.SAME_DAY_AFTER_RECOVERY,
        observation_low_min=60,
        observation_high_min=120,
        case=case,
    )


@pytest.mark.parametrize(("mean_hu", "flagged"), [(160.0, True), (160.1, False)])
def test_the_pathway_and_the_discharge_sheet_follow_the_flag(mean_hu: float, flagged: bool) -> None:
    pathway = _pathway(_case(mean_hu))
    steps = pathway.osteoporosis  # type: ignore[attr-defined]
    assert (steps != OSTEOPOROSIS_STEPS) is flagged
    assert steps[1:] == OSTEOPOROSIS_STEPS[1:]
    cited = [c.source for c in pathway.osteoporosis_citations]  # type: ignore[attr-defined]
    assert ("clinical-reference.md §6.1" in cited) is flagged
    doc = discharge_document(pathway, reference="c1", clinic=CLINIC)  # type: ignore[arg-type]
    (bones,) = [s for s in doc.sections if s.heading == "Keep your bones strong"]
    assert bones.bullets[0] == (CT_BONE_TEST if flagged else BONE_TEST)
    assert ("not a diagnosis" in bones.bullets[0]) is flagged
