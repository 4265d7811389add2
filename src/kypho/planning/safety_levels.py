"""Screen items that depend on the levels to treat: pain source, retropulsion, count, region.

References
----------
clinical-reference.md §1.3 (L34106: pain not primarily from the VCF is absolute; > 3
fractures per procedure and retropulsion / canal compromise are relative), §1.4 (T1-T4
uncommon, may attract focused medical review; A56572: the level-count exclusion does not
apply to multiple myeloma), §1.5 and §1.9 (malignant fractures; bone biopsy included in
22513-22515 when done), §2.2 (malignant VCF needs multidisciplinary care); seed 002
(retropulsed bone may contraindicate kyphoplasty).
"""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.fracture import Etiology
from kypho.domain.imaging import ImagingStudy, LevelFinding
from kypho.domain.levels import Level
from kypho.planning.sources import (
    L34106,
    SEED_BLUE,
    URL_A56572,
    URL_A58534,
    URL_ACR_UPDATE,
    URL_CPT,
    ref,
    seed,
)
from kypho.planning.types import ContraindicationClass, FactorStatus, ScreenItem

ABSOLUTE = ContraindicationClass.ABSOLUTE
RELATIVE = ContraindicationClass.RELATIVE
_LCD = ref("1.3", L34106)

MAX_LEVELS_ONE_SESSION = 3  # clinical-reference.md §1.3/§1.4: > 3 per procedure is relative
# clinical-reference.md §1.4 (A58534): T1-T4 is uncommon and may attract focused review.
UPPER_THORACIC: tuple[Level, ...] = (Level.T1, Level.T2, Level.T3, Level.T4)


def _status(value: bool | None) -> FactorStatus:
    if value is None:
        return FactorStatus.NOT_RECORDED
    return FactorStatus.PRESENT if value else FactorStatus.ABSENT


def _pain_source(case: Case, level: Level) -> ScreenItem:
    fracture = case.fracture(level)
    attributed = None if fracture is None else fracture.pain_attributed_to_fracture
    not_from = None if attributed is None else not attributed
    if fracture is None:
        detail = f"no fracture recorded at {level}"
    else:
        detail = {
            None: "not recorded",
            True: "pain judged not to come from this fracture",
            False: "pain attributed to this fracture",
        }[not_from]
    return ScreenItem(
        name=f"Pain not from the fracture at {level}",
        status=_status(not_from),
        contraindication_class=ABSOLUTE,
        detail=detail,
        citations=(_LCD,),
        field=f"fractures[{level}].pain_attributed_to_fracture",
        level=level,
    )


_NO_LEVEL_PAIN = ScreenItem(
    name="Pain not from the fracture",
    status=FactorStatus.NOT_RECORDED,
    contraindication_class=ABSOLUTE,
    detail="no levels to treat known",
    citations=(_LCD,),
    field="fractures[].pain_attributed_to_fracture",
)


def _retropulsion_reported(finding: LevelFinding) -> bool | None:
    """True if either the flag or a positive distance says so; False only if recorded absent."""
    mm = finding.retropulsion_mm
    if finding.retropulsion or (mm is not None and mm > 0):
        return True
    if finding.retropulsion is False or mm == 0:
        return False
    return None


def latest_retropulsion(case: Case, level: Level) -> tuple[ImagingStudy, bool] | None:
    """The most recent study that reports retropulsion at ``level``, and what it says."""
    studies = sorted(case.imaging or (), key=lambda s: s.study_date or date.min, reverse=True)
    for study in studies:
        finding = study.finding(level)
        said = None if finding is None else _retropulsion_reported(finding)
        if said is not None:
            return study, said
    return None


def _retropulsion(case: Case, level: Level) -> ScreenItem:
    latest = latest_retropulsion(case, level)
    if latest is None:
        status, detail = FactorStatus.NOT_RECORDED, f"no imaging reports retropulsion at {level}"
    else:
        study, said = latest
        status = _status(said)
        detail = f"{'reported' if said else 'none'} on {study.label}"
    return ScreenItem(
        name=f"Retropulsion or canal compromise at {level}",
        status=status,
        contraindication_class=RELATIVE,
        detail=detail,
        citations=(_LCD, seed(SEED_BLUE, "bone retropulsed into the spinal canal")),
        field=f"imaging[].findings[{level}].retropulsion",
        level=level,
    )


def _level_count(case: Case, levels: tuple[Level, ...]) -> ScreenItem:
    name = f"More than {MAX_LEVELS_ONE_SESSION} levels in one session"
    cites = (_LCD, ref("1.4", URL_A56572))
    if not levels:
        return ScreenItem(
            name=name,
            status=FactorStatus.NOT_RECORDED,
            contraindication_class=RELATIVE,
            detail="no levels to treat known",
            citations=cites,
            field="procedure.levels",
        )
    detail = f"{len(levels)} level(s): {', '.join(levels)}"
    fractures = [case.fracture(lv) for lv in levels]
    if all(f is not None and f.etiology is Etiology.MYELOMA for f in fractures):
        detail += "; for multiple myeloma the LCD level-count exclusion does not apply (A56572)"
    return ScreenItem(
        name=name,
        status=_status(len(levels) > MAX_LEVELS_ONE_SESSION),
        contraindication_class=RELATIVE,
        detail=detail,
        citations=cites,
        field="procedure.levels",
    )


def _upper_thoracic(levels: tuple[Level, ...]) -> ScreenItem:
    upper = [lv for lv in levels if lv in UPPER_THORACIC]
    value = None if not levels else bool(upper)
    detail = {
        None: "no levels to treat known",
        False: "none of T1-T4",
        True: f"{', '.join(upper)}: uncommon level, may attract focused medical review",
    }[value]
    return ScreenItem(
        name="Level in T1-T4",
        status=_status(value),
        contraindication_class=RELATIVE,
        detail=detail,
        citations=(ref("1.4", URL_A58534),),
        field="procedure.levels",
    )


def _malignant(case: Case, levels: tuple[Level, ...]) -> ScreenItem:
    fractures = [case.fracture(lv) for lv in levels]
    causes = [None if f is None else f.etiology for f in fractures]
    malignant = [
        lv for lv, c in zip(levels, causes, strict=True) if c is not None and c.is_malignant
    ]
    value: bool | None = True if malignant else (None if None in causes or not levels else False)
    detail = {
        None: "cause not recorded at every level",
        False: "no malignant cause recorded",
        True: f"{', '.join(malignant)}: metastasis or myeloma: biopsy at the procedure, "
        "oncology input before treating",
    }[value]
    return ScreenItem(
        name="Malignant cause (metastasis, myeloma)",
        status=_status(value),
        contraindication_class=RELATIVE,
        detail=detail,
        citations=(ref("1.5", L34106), ref("1.9", URL_CPT), ref("2.2", URL_ACR_UPDATE)),
        field="fractures[].etiology",
    )


def level_items(case: Case, levels: tuple[Level, ...]) -> list[ScreenItem]:
    """Pain source per level (absolute); retropulsion per level, count, T1-T4, cause (relative)."""
    items = [_pain_source(case, lv) for lv in levels] or [_NO_LEVEL_PAIN]
    items += [_retropulsion(case, lv) for lv in levels]
    items += [_level_count(case, levels), _upper_thoracic(levels), _malignant(case, levels)]
    return items
