"""What the recovery pathway is made of: timed steps, follow-up visits, outcome rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from kypho.planning.types import Discharge
from kypho.rules.types import Citation


class StepKind(StrEnum):
    EVENT = "event"  # something that happens once (release, first visit)
    CARE = "care"  # something to do for a while (rest, ice, exercises)
    RESTRICTION = "restriction"  # something not to do for a while
    WARNING = "warning"  # signs that need an urgent call


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryStep:
    """One row of the recovery table, timed from the end of the procedure.

    ``day_only`` marks a step whose day is known but not its hour (leaving the
    hospital the day after an overnight stay): documents show the day, never a clock.
    """

    key: str
    kind: StepKind
    start_after_min: int
    duration_min: int | None  # None: a moment, not a span
    title: str  # short clinician wording
    plain: str  # what the patient reads
    citations: tuple[Citation, ...]
    day_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineItem:
    """A recovery step placed on the calendar (local wall-clock time, no time zone)."""

    key: str
    kind: StepKind
    starts_at: datetime
    ends_at: datetime | None
    title: str
    plain: str
    citations: tuple[Citation, ...]
    day_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitSlot:
    """A follow-up visit to book between ``earliest`` and ``latest``.

    ``target`` is the suggested day: a weekday inside the window.
    """

    key: str
    label: str
    earliest: date
    target: date
    latest: date
    purpose: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryPathway:
    """The timeline, visits and osteoporosis steps for one procedure.

    ``discharge`` and the observation minutes come from the plan: how the patient
    leaves decides the first hours (a short watch, hours in recovery, a night in hospital).
    """

    procedure_end: datetime
    discharge: Discharge
    observation_low_min: int
    observation_high_min: int
    timeline: tuple[TimelineItem, ...]
    visits: tuple[VisitSlot, ...]
    osteoporosis: tuple[str, ...]
    osteoporosis_citations: tuple[Citation, ...]
