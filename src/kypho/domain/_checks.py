"""Range checks shared by the domain types; each names the field, the range and the value."""

from __future__ import annotations

import math
from collections.abc import Iterable

from kypho.domain.levels import Level
from kypho.errors import InvalidInput


def check_range(field: str, value: float | None, lo: float, hi: float, unit: str = "") -> None:
    """Raise ``InvalidInput`` unless ``value`` is None or within [lo, hi].

    >>> check_range("pain.score", 11, 0, 10)
    Traceback (most recent call last):
    ...
    kypho.errors.InvalidInput: pain.score: expected a number from 0 to 10, got 11
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidInput(f"{field}: expected a number from {lo:g} to {hi:g}{unit}, got {value!r}")
    if not lo <= value <= hi:
        raise InvalidInput(f"{field}: expected a number from {lo:g} to {hi:g}{unit}, got {value!r}")


def check_positive(field: str, value: float | None, unit: str = "") -> None:
    """Raise ``InvalidInput`` unless ``value`` is None or a finite number > 0."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{field}: expected a number > 0{unit}, got {value!r}")
    if value <= 0:
        raise InvalidInput(f"{field}: expected a number > 0{unit}, got {value!r}")


def check_unique_levels(field: str, levels: Iterable[Level]) -> None:
    """Raise ``InvalidInput`` if a level appears twice (one entry per level)."""
    seen: set[Level] = set()
    repeated: set[Level] = set()
    for level in levels:
        (repeated if level in seen else seen).add(level)
    twice = sorted(repeated, key=lambda lv: lv.position)
    if twice:
        raise InvalidInput(
            f"{field}: expected each level once, got {', '.join(twice)} more than once"
        )
