"""The safety screen: every contraindication checked before planning, whatever the policy.

Each item is present, absent or *not recorded* (never shown as absent when unknown).
Absolute contraindications refuse the plan unless a physician overrides with a reason;
relative ones become warnings at the top of the plan.

References
----------
clinical-reference.md §1.3 (L34106 exclusions, absolute and relative), §1.4 (levels),
§1.5 (malignant fractures), §2.1 (care pathway: age < 18 excluded; absolute: active
surgical-site or blood-borne infection), §4.1 (IFU: bleeding disorder, infection, allergy
to contrast or cement); seeds 001 (medical history) and 002 (retropulsion).
"""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.levels import Level
from kypho.domain.patient import Sex
from kypho.planning.safety_levels import level_items
from kypho.planning.sources import (
    L34106,
    SEED_BLUE,
    SEED_PCI,
    URL_IFU_XPANDER_II,
    URL_PATHWAY,
    ref,
    seed,
)
from kypho.planning.types import ContraindicationClass, FactorStatus, ScreenItem
from kypho.rules.types import Citation

ABSOLUTE = ContraindicationClass.ABSOLUTE
RELATIVE = ContraindicationClass.RELATIVE
_LCD = ref("1.3", L34106)
_HISTORY = seed(SEED_PCI, "carefully assess a patient's other medical history")
_IFU = ref("4.1", URL_IFU_XPANDER_II)
_PATHWAY = ref("2.1", URL_PATHWAY)

# (Contraindications field, name, class, citations), in the order the screen shows them.
_Row = tuple[str, str, ContraindicationClass, tuple[Citation, ...]]
CONTRAINDICATION_FIELDS: tuple[_Row, ...] = (
    ("osteomyelitis", "Osteomyelitis", ABSOLUTE, (_LCD, _IFU)),
    ("discitis", "Discitis", ABSOLUTE, (_LCD,)),
    ("systemic_infection", "Active systemic infection", ABSOLUTE, (_LCD, _PATHWAY)),
    ("surgical_site_infection", "Surgical-site infection", ABSOLUTE, (_LCD, _PATHWAY, _IFU)),
    ("uncorrected_coagulopathy", "Uncorrected coagulopathy", RELATIVE, (_LCD, _IFU)),
    ("cement_allergy", "Allergy to bone cement", RELATIVE, (_LCD, _IFU)),
    ("contrast_allergy", "Allergy to contrast (opacification) agents", RELATIVE, (_LCD, _IFU)),
    ("spinal_instability", "Spinal instability", RELATIVE, (_LCD,)),
    ("myelopathy", "Myelopathy", RELATIVE, (_LCD,)),
    ("neurologic_deficit", "Neurologic deficit", RELATIVE, (_LCD,)),
    ("neural_impingement", "Neural impingement", RELATIVE, (_LCD,)),
)

MIN_AGE_YEARS = 18  # clinical-reference.md §2.1: the care pathway excludes age < 18


def status_of(value: bool | None) -> FactorStatus:
    """Present for true, absent for false, not recorded for ``None``.

    >>> status_of(None).value
    'not_recorded'
    """
    if value is None:
        return FactorStatus.NOT_RECORDED
    return FactorStatus.PRESENT if value else FactorStatus.ABSENT


def _said(value: bool | None) -> str:
    return {None: "not recorded", True: "yes", False: "no"}[value]


def _recorded_items(case: Case) -> list[ScreenItem]:
    recorded = case.contraindications
    items = []
    for name, label, klass, cites in CONTRAINDICATION_FIELDS:
        value: bool | None = getattr(recorded, name)
        items.append(
            ScreenItem(
                name=label,
                status=status_of(value),
                contraindication_class=klass,
                detail=_said(value),
                citations=(*cites, _HISTORY),
                field=f"contraindications.{name}",
            )
        )
    return items


def _pregnancy(case: Case) -> ScreenItem:
    value = case.patient.pregnant
    detail = _said(value)
    if value is None and case.patient.sex is Sex.MALE:
        value, detail = False, "not applicable: male patient"
    return ScreenItem(
        name="Pregnancy",
        status=status_of(value),
        contraindication_class=ABSOLUTE,
        detail=detail,
        citations=(_LCD,),
        field="patient.pregnant",
    )


def _anticoagulants(case: Case) -> ScreenItem:
    value = case.patient.on_anticoagulants
    return ScreenItem(
        name="On anticoagulants (blood thinners)",
        status=status_of(value),
        contraindication_class=RELATIVE,
        detail=_said(value) + ("; bleeding risk" if value else ""),
        citations=(_IFU, seed(SEED_BLUE, "bleeding")),
        field="patient.on_anticoagulants",
    )


def _age(case: Case, on: date) -> ScreenItem:
    age = case.patient.age_on(on)
    name = f"Age under {MIN_AGE_YEARS} years"
    if age is None:
        status, detail = FactorStatus.NOT_RECORDED, "age not recorded"
    else:
        status = status_of(age < MIN_AGE_YEARS)
        detail = f"{age} years on {on}"
    return ScreenItem(
        name=name,
        status=status,
        contraindication_class=RELATIVE,
        detail=detail,
        citations=(_PATHWAY,),
        field="patient.age_years or patient.birth_date",
    )


def screen_case(case: Case, levels: tuple[Level, ...], *, on: date) -> tuple[ScreenItem, ...]:
    """Every contraindication for treating ``levels`` on ``on``: absolute first, then relative.

    Parameters
    ----------
    levels
        The levels the plan would treat (empty when none is known).
    on
        The date ages are computed on (the procedure date, else the assessment date).
    """
    recorded = _recorded_items(case)
    per_level = level_items(case, levels)
    items = [
        *(i for i in recorded if i.contraindication_class is ABSOLUTE),
        _pregnancy(case),
        *(i for i in per_level if i.contraindication_class is ABSOLUTE),
        *(i for i in recorded if i.contraindication_class is RELATIVE),
        _anticoagulants(case),
        *(i for i in per_level if i.contraindication_class is RELATIVE),
        _age(case, on),
    ]
    return tuple(items)


def present(screen: tuple[ScreenItem, ...], klass: ContraindicationClass) -> list[ScreenItem]:
    return [
        i for i in screen if i.status is FactorStatus.PRESENT and i.contraindication_class is klass
    ]


def describe(item: ScreenItem) -> str:
    """One line naming the item, its class, and what was recorded.

    >>> describe(ScreenItem(name="Pregnancy", status=FactorStatus.PRESENT, detail="yes",
    ...     contraindication_class=ABSOLUTE, citations=(), field="patient.pregnant"))
    'absolute contraindication: Pregnancy (patient.pregnant: yes)'
    """
    return (
        f"{item.contraindication_class} contraindication: {item.name} ({item.field}: {item.detail})"
    )
