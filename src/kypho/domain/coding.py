"""CPT codes for vertebral augmentation by level: one table, used by the candidacy engine,
the plan, the FHIR export and the CDS Hooks service.

Kyphoplasty: 22513 thoracic and 22514 lumbar for the first level, +22515 for each
additional thoracic or lumbar body. Vertebroplasty: 22510 cervicothoracic and 22511
lumbosacral for the first level, +22512 for each additional body. The six are the Medicare
LCD's Group 1 codes (clinical-reference.md section 1.9). Cervical and sacral bodies have no
kyphoplasty code. Levels are coded in cranio-caudal order, whatever order they were listed in.
"""

from __future__ import annotations

from collections.abc import Iterable

from kypho.domain.levels import Level, Region

CPT_FIRST_BY_REGION: dict[Region, str] = {Region.THORACIC: "22513", Region.LUMBAR: "22514"}
CPT_ADDITIONAL = "+22515"
# Vertebroplasty (clinical-reference.md 1.9): first body cervicothoracic, lumbosacral; add-on.
VERTEBROPLASTY_CERVICOTHORACIC = "22510"
VERTEBROPLASTY_LUMBOSACRAL = "22511"
VERTEBROPLASTY_ADDITIONAL = "+22512"
KYPHOPLASTY_CPT: tuple[str, ...] = (*CPT_FIRST_BY_REGION.values(), CPT_ADDITIONAL)
VERTEBROPLASTY_CPT: tuple[str, ...] = (
    VERTEBROPLASTY_CERVICOTHORACIC,
    VERTEBROPLASTY_LUMBOSACRAL,
    VERTEBROPLASTY_ADDITIONAL,
)
AUGMENTATION_CPT: tuple[str, ...] = (*VERTEBROPLASTY_CPT, *KYPHOPLASTY_CPT)  # 22510-22515


def bare_cpt(code: str) -> str:
    """The code without an add-on's "+" (FHIR codings carry it either way).

    >>> bare_cpt("+22515"), bare_cpt("22513")
    ('22515', '22513')
    """
    return code.strip().lstrip("+")


def kyphoplasty_cpt(levels: Iterable[Level]) -> tuple[tuple[Level, str | None], ...]:
    """(level, code) for each distinct level, cranio-caudal; ``None`` where no code applies.

    >>> kyphoplasty_cpt([Level.L1, Level.T12, Level.S1])
    ((<Level.T12: 'T12'>, '22513'), (<Level.L1: 'L1'>, '+22515'), (<Level.S1: 'S1'>, None))
    """
    out: list[tuple[Level, str | None]] = []
    primary_given = False
    for level in sorted(set(levels), key=lambda lv: lv.position):
        code = CPT_FIRST_BY_REGION.get(level.region)
        if code is not None and primary_given:
            code = CPT_ADDITIONAL
        primary_given |= code is not None
        out.append((level, code))
    return tuple(out)
