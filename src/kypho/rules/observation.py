"""An observed fact: its value, how to show it, where it came from, and its time anchor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from kypho.domain.case import Case
from kypho.domain.levels import Level

FactValue = bool | int | float | str | None


class Scope(StrEnum):
    LEVEL = "level"  # differs from one fractured level to the next
    PATIENT = "patient"  # one value for the whole procedure


class Observation(NamedTuple):
    """``value`` None means unknown. ``anchor`` is set for "days since" facts.

    A days-since fact equals ``(on - anchor).days``; the procedure window uses the
    anchor to find the dates on which a threshold on the fact holds.
    """

    value: FactValue
    shown: str
    anchor: date | None = None
    # A measured number's range within its measurement error: an ordering comparison whose
    # answer differs across the range is unknown (see ``evaluate``).
    bounds: tuple[float, float] | None = None
    # Studies that disagree on this fact, and which one was used (``Assessment.conflicts``).
    conflicts: tuple[str, ...] = ()
    # Evidence set aside or counted differently for chronology (``Assessment.notes``).
    notes: tuple[str, ...] = ()


UNKNOWN = Observation(None, "not recorded")


@dataclass(frozen=True, slots=True)
class FactContext:
    case: Case
    on: date
    level: Level | None
    derived: dict[str, object]

    @classmethod
    def make(cls, case: Case, on: date, level: Level | None) -> FactContext:
        return cls(case, on, level, {})


Extractor = Callable[[FactContext], Observation]
