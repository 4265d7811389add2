"""The safety screen: every contraindication present, absent or not recorded, on both sides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kypho.domain import (
    Case,
    Contraindications,
    Etiology,
    Fracture,
    ImagingStudy,
    Level,
    LevelFinding,
    Modality,
    Patient,
    Sex,
)
from kypho.planning import ContraindicationClass, FactorStatus, ScreenItem, screen_case
from planning.conftest import ON, make_case

ABSOLUTE = ContraindicationClass.ABSOLUTE
RELATIVE = ContraindicationClass.RELATIVE
PRESENT, ABSENT, NOT_RECORDED = FactorStatus.PRESENT, FactorStatus.ABSENT, FactorStatus.NOT_RECORDED
LEVELS = (Level.T12, Level.L1)


def by_name(items: tuple[ScreenItem, ...]) -> dict[str, ScreenItem]:
    return {i.name: i for i in items}


def screen(case: Case, levels: tuple[Level, ...] = LEVELS) -> dict[str, ScreenItem]:
    return by_name(screen_case(case, levels, on=ON))


# Contraindications field -> (name on the screen, class), written out from clinical-reference §1.3.
RECORDED = [
    ("osteomyelitis", "Osteomyelitis", ABSOLUTE),
    ("discitis", "Discitis", ABSOLUTE),
    ("systemic_infection", "Active systemic infection", ABSOLUTE),
    ("surgical_site_infection", "Surgical-site infection", ABSOLUTE),
    ("uncorrected_coagulopathy", "Uncorrected coagulopathy", RELATIVE),
    ("cement_allergy", "Allergy to bone cement", RELATIVE),
    ("contrast_allergy", "Allergy to contrast (opacification) agents", RELATIVE),
    ("spinal_instability", "Spinal instability", RELATIVE),
    ("myelopathy", "Myelopathy", RELATIVE),
    ("neurologic_deficit", "Neurologic deficit", RELATIVE),
    ("neural_impingement", "Neural impingement", RELATIVE),
]


@pytest.mark.parametrize(("field", "name", "klass"), RECORDED)
@pytest.mark.parametrize(
    ("value", "status", "detail"),
    [(True, PRESENT, "yes"), (False, ABSENT, "no"), (None, NOT_RECORDED, "not recorded")],
)
def test_each_recorded_contraindication_three_ways(field, name, klass, value, status, detail):
    base = make_case()
    case = replace(base, contraindications=replace(base.contraindications, **{field: value}))
    item = screen(case)[name]
    assert (item.status, item.contraindication_class, item.detail) == (status, klass, detail)
    assert item.field == f"contraindications.{field}"
    assert item.citations


def test_nothing_recorded_is_never_shown_absent() -> None:
    case = Case(case_id="blank")
    items = screen_case(case, (), on=ON)
    assert {i.status for i in items} == {NOT_RECORDED}
    assert len(items) == 18  # 11 recorded, pregnancy, anticoagulants, pain source, 4 level items


def test_screen_lists_absolute_before_relative() -> None:
    classes = [i.contraindication_class for i in screen_case(make_case(), LEVELS, on=ON)]
    assert classes == sorted(classes, key=lambda k: k is RELATIVE)


@pytest.mark.parametrize(
    ("pregnant", "sex", "status", "detail"),
    [
        (True, Sex.FEMALE, PRESENT, "yes"),
        (False, Sex.FEMALE, ABSENT, "no"),
        (None, Sex.FEMALE, NOT_RECORDED, "not recorded"),
        (None, None, NOT_RECORDED, "not recorded"),
        (None, Sex.MALE, ABSENT, "not applicable: male patient"),
    ],
)
def test_pregnancy(pregnant, sex, status, detail) -> None:
    item = screen(make_case(pregnant=pregnant, sex=sex))["Pregnancy"]
    assert (item.status, item.detail, item.contraindication_class) == (status, detail, ABSOLUTE)


@pytest.mark.parametrize(
    ("value", "status"), [(True, PRESENT), (False, ABSENT), (None, NOT_RECORDED)]
)
def test_anticoagulants(value, status) -> None:
    item = screen(make_case(on_anticoagulants=value))["On anticoagulants (blood thinners)"]
    assert (item.status, item.contraindication_class) == (status, RELATIVE)


@pytest.mark.parametrize(
    ("attributed", "status"), [(False, PRESENT), (True, ABSENT), (None, NOT_RECORDED)]
)
def test_pain_source_is_judged_per_level(attributed, status) -> None:
    base = make_case()
    t12, l1 = base.fractures  # type: ignore[misc]
    case = replace(base, fractures=(replace(t12, pain_attributed_to_fracture=attributed), l1))
    items = screen(case)
    assert items["Pain not from the fracture at T12"].status is status
    assert items["Pain not from the fracture at T12"].contraindication_class is ABSOLUTE
    assert items["Pain not from the fracture at L1"].status is ABSENT


def test_pain_source_at_a_level_without_a_fracture_is_not_recorded() -> None:
    item = screen(make_case(), (Level.L2,))["Pain not from the fracture at L2"]
    assert (item.status, item.detail) == (NOT_RECORDED, "no fracture recorded at L2")


def _with_finding(case: Case, **finding: object) -> Case:
    study = ImagingStudy(
        modality=Modality.CT,
        study_date=date(2026, 2, 25),
        study_id="CT9",
        findings=(LevelFinding(level=Level.L1, **finding),),  # type: ignore[arg-type]
    )
    return replace(case, imaging=(*(case.imaging or ()), study))


@pytest.mark.parametrize(
    ("finding", "status"),
    [
        ({"retropulsion": True}, PRESENT),
        ({"retropulsion_mm": 3.0}, PRESENT),
        ({"retropulsion": False, "retropulsion_mm": 2.0}, PRESENT),  # a distance outweighs "no"
        ({"retropulsion": False}, ABSENT),
        ({"retropulsion_mm": 0.0}, ABSENT),
    ],
)
def test_retropulsion_from_the_latest_study_that_reports_it(finding, status) -> None:
    item = screen(_with_finding(make_case(), **finding))["Retropulsion or canal compromise at L1"]
    assert item.status is status
    assert item.detail.endswith("CT 2026-02-25 (study CT9)")


def test_a_newer_study_silent_on_retropulsion_defers_to_the_one_that_reports_it() -> None:
    case = _with_finding(make_case(), height_loss_pct=35.0)  # CT says nothing on retropulsion
    item = screen(case)["Retropulsion or canal compromise at L1"]
    assert item.status is ABSENT
    assert item.detail == "none on MRI 2026-02-20"


def test_retropulsion_never_reported_is_not_recorded() -> None:
    case = replace(make_case(), imaging=None)
    assert screen(case)["Retropulsion or canal compromise at L1"].status is NOT_RECORDED


def _levels(*names: str) -> tuple[Level, ...]:
    return tuple(Level(n) for n in names)


@pytest.mark.parametrize(
    ("levels", "status"),
    [(_levels("T11", "T12", "L1"), ABSENT), (_levels("T11", "T12", "L1", "L2"), PRESENT)],
)
def test_more_than_three_levels(levels, status) -> None:
    item = screen(make_case(), levels)["More than 3 levels in one session"]
    assert (item.status, item.contraindication_class) == (status, RELATIVE)


def test_myeloma_level_count_note() -> None:
    levels = _levels("T11", "T12", "L1", "L2")
    fractures = tuple(Fracture(level=lv, etiology=Etiology.MYELOMA) for lv in levels)
    case = Case(case_id="mm", fractures=fractures)
    item = screen(case, levels)["More than 3 levels in one session"]
    assert item.status is PRESENT
    assert "does not apply (A56572)" in item.detail


@pytest.mark.parametrize(
    ("levels", "status"),
    [
        (_levels("T4"), PRESENT),
        (_levels("T1"), PRESENT),
        (_levels("T5"), ABSENT),
        (_levels("T5", "T4"), PRESENT),
        ((), NOT_RECORDED),
    ],
)
def test_upper_thoracic(levels, status) -> None:
    assert screen(make_case(), levels)["Level in T1-T4"].status is status


@pytest.mark.parametrize(
    ("etiology", "status"),
    [
        (Etiology.METASTASIS, PRESENT),
        (Etiology.MYELOMA, PRESENT),
        (Etiology.OSTEOPOROTIC, ABSENT),
        (None, NOT_RECORDED),
    ],
)
def test_malignant_cause(etiology, status) -> None:
    base = make_case()
    t12, l1 = base.fractures  # type: ignore[misc]
    case = replace(base, fractures=(replace(t12, etiology=etiology), l1))
    item = screen(case)["Malignant cause (metastasis, myeloma)"]
    assert item.status is status
    if status is PRESENT:
        assert "biopsy at the procedure" in item.detail
        assert "oncology" in item.detail


def test_malignant_at_one_level_wins_over_unknown_at_another() -> None:
    base = make_case()
    t12, l1 = base.fractures  # type: ignore[misc]
    fractures = (replace(t12, etiology=Etiology.METASTASIS), replace(l1, etiology=None))
    assert (
        screen(replace(base, fractures=fractures))["Malignant cause (metastasis, myeloma)"].status
        is PRESENT
    )


@pytest.mark.parametrize(("age", "status"), [(17, PRESENT), (18, ABSENT), (None, NOT_RECORDED)])
def test_age_under_18(age, status) -> None:
    item = screen(make_case(age_years=age))["Age under 18 years"]
    assert (item.status, item.contraindication_class) == (status, RELATIVE)


@pytest.mark.parametrize(
    ("on", "status"),
    [(date(2026, 3, 9), PRESENT), (date(2026, 3, 10), ABSENT), (date(2026, 3, 11), ABSENT)],
)
def test_age_from_birth_date_on_the_day_before_on_and_after_the_18th_birthday(on, status) -> None:
    case = Case(case_id="teen", patient=Patient(birth_date=date(2008, 3, 10)))
    assert by_name(screen_case(case, LEVELS, on=on))["Age under 18 years"].status is status


def test_the_cases_contraindications_type_is_fully_screened() -> None:
    # every Contraindications field (domain) appears on the screen; a new one must be added
    from dataclasses import fields

    screened = {i.field for i in screen_case(make_case(), LEVELS, on=ON)}
    assert {f"contraindications.{f.name}" for f in fields(Contraindications)} <= screened
