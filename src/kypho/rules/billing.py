"""CPT codes a kyphoplasty would bill, shown with each assessment (clinical reference 1.9)."""

from __future__ import annotations

from collections.abc import Iterable

from kypho.domain.coding import kyphoplasty_cpt
from kypho.domain.levels import Level


def kyphoplasty_codes(levels: Iterable[Level]) -> tuple[str, ...]:
    """Codes with their levels; levels outside T1-L5 have no kyphoplasty code and are skipped.

    >>> kyphoplasty_codes([Level.L1, Level.T12])
    ('22513 (T12)', '+22515 (L1)')
    """
    return tuple(f"{code} ({level})" for level, code in kyphoplasty_cpt(levels) if code)
