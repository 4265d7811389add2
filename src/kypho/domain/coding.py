"""CPT codes for kyphoplasty by level: one table, used by the candidacy engine and the plan.

22513 thoracic and 22514 lumbar for the first level, +22515 for each additional thoracic or
lumbar body; cervical and sacral bodies have no code in this family (clinical-reference.md
section 1.9). Levels are coded in cranio-caudal order, whatever order they were listed in.
"""

from __future__ import annotations

from collections.abc import Iterable

from kypho.domain.levels import Level, Region

CPT_FIRST_BY_REGION: dict[Region, str] = {Region.THORACIC: "22513", Region.LUMBAR: "22514"}
CPT_ADDITIONAL = "+22515"


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
