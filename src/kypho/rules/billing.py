"""CPT codes a kyphoplasty would bill, by level (clinical reference 1.9)."""

from __future__ import annotations

from collections.abc import Iterable

from kypho.domain.levels import Level, Region

FIRST_LEVEL_CODE = {Region.THORACIC: "22513", Region.LUMBAR: "22514"}
ADDITIONAL_LEVEL_CODE = "+22515"


def kyphoplasty_codes(levels: Iterable[Level]) -> tuple[str, ...]:
    """Primary code for the first level, add-on code for each further level.

    Levels outside T1-L5 have no kyphoplasty code and are skipped.

    >>> kyphoplasty_codes([Level.L1, Level.T12])
    ('22513 (T12)', '+22515 (L1)')
    """
    ordered = sorted(
        {lv for lv in levels if lv.region in FIRST_LEVEL_CODE}, key=lambda lv: lv.position
    )
    codes = []
    for i, level in enumerate(ordered):
        code = FIRST_LEVEL_CODE[level.region] if i == 0 else ADDITIONAL_LEVEL_CODE
        codes.append(f"{code} ({level})")
    return tuple(codes)
