"""Range checks shared by the domain types; each names the field, the range and the value."""

from __future__ import annotations

import math
from collections.abc import Iterable

from kypho.domain.levels import Level
from kypho.errors import InvalidInput

_SHOWN_DIGITS_MAX = 15  # a longer whole number is described by its length, not printed


def shown(value: object) -> str:
    """A found value for a message; a huge whole number by its size.

    >>> shown(11), shown(10**400)
    ('11', 'a 401-digit number')
    """
    if isinstance(value, int) and not isinstance(value, bool):
        size = abs(value)
        if size >= 10**_SHOWN_DIGITS_MAX:
            # digit count from the bit length: str() refuses ints over 4300 digits
            digits = int(size.bit_length() * math.log10(2)) + 1
            digits -= size < 10 ** (digits - 1)
            return f"a {digits}-digit number"
    return repr(value)


def _not_a_number(value: object) -> bool:
    """True unless ``value`` is an int or a float other than NaN (never an OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return isinstance(value, float) and math.isnan(value)


def check_range(field: str, value: float | None, lo: float, hi: float, unit: str = "") -> None:
    """Raise ``InvalidInput`` unless ``value`` is None or within [lo, hi].

    >>> check_range("pain.score", 11, 0, 10)
    Traceback (most recent call last):
    ...
    kypho.errors.InvalidInput: pain.score: expected a number from 0 to 10, got 11
    """
    if value is None:
        return
    if _not_a_number(value) or not lo <= value <= hi:
        raise InvalidInput(
            f"{field}: expected a number from {lo:g} to {hi:g}{unit}, got {shown(value)}"
        )


def check_positive(field: str, value: float | None, unit: str = "") -> None:
    """Raise ``InvalidInput`` unless ``value`` is None or a finite number > 0."""
    if value is None:
        return
    infinite = isinstance(value, float) and math.isinf(value)
    if _not_a_number(value) or infinite or value <= 0:
        raise InvalidInput(f"{field}: expected a number > 0{unit}, got {shown(value)}")


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
