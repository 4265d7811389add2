"""Vertebral levels, in cranio-caudal order, with their region."""

from __future__ import annotations

from enum import StrEnum

from kypho.errors import InvalidInput


class Region(StrEnum):
    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"
    SACRAL = "sacral"


class Level(StrEnum):
    """A vertebral level; values are the clinical literals.

    Transitional segments (T13, L6) are not levels of this enum: a morphometry
    reader that meets them reports them by name, never maps them by number.
    """

    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    C6 = "C6"
    C7 = "C7"
    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    T6 = "T6"
    T7 = "T7"
    T8 = "T8"
    T9 = "T9"
    T10 = "T10"
    T11 = "T11"
    T12 = "T12"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    S1 = "S1"

    @property
    def region(self) -> Region:
        return _REGION_BY_PREFIX[self.value[0]]

    @property
    def position(self) -> int:
        """Position from the skull down: C1 is 0, S1 is 24."""
        return LEVELS.index(self)

    def neighbour(self, offset: int) -> Level | None:
        """The level ``offset`` steps caudal (positive) or cranial (negative), if any.

        >>> Level.L1.neighbour(-1)
        <Level.T12: 'T12'>
        >>> Level.S1.neighbour(1) is None
        True
        """
        i = self.position + offset
        return LEVELS[i] if 0 <= i < len(LEVELS) else None


_REGION_BY_PREFIX = {
    "C": Region.CERVICAL,
    "T": Region.THORACIC,
    "L": Region.LUMBAR,
    "S": Region.SACRAL,
}

LEVELS: tuple[Level, ...] = tuple(Level)


def parse_level(value: Level | str) -> Level:
    """Normalise a level given as text (``"t12"``, ``" L1 "``) or a ``Level``.

    >>> parse_level("t12")
    <Level.T12: 'T12'>
    """
    if isinstance(value, Level):
        return value
    text = str(value).strip().upper()
    try:
        return Level(text)
    except ValueError:
        raise InvalidInput(
            f"vertebral level: expected one of C1-C7, T1-T12, L1-L5, S1; got {value!r}"
        ) from None


def level_range(first: Level, last: Level) -> tuple[Level, ...]:
    """Levels from ``first`` to ``last`` inclusive, in cranio-caudal order.

    >>> [str(x) for x in level_range(Level.T11, Level.L2)]
    ['T11', 'T12', 'L1', 'L2']
    """
    lo, hi = sorted((first.position, last.position))
    return LEVELS[lo : hi + 1]
