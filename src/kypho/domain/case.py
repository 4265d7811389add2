"""A kyphoplasty case: everything known about one patient's fractures and care.

Every field may be absent, and absence means unknown. For the collections, ``None``
means "not recorded" while ``()`` means "recorded: there are none".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kypho.domain._checks import check_unique_levels
from kypho.domain.care import (
    ContinuumOfCare,
    Contraindications,
    FollowUpVisit,
    PlannedProcedure,
    SuspicionSigns,
)
from kypho.domain.fracture import Fracture
from kypho.domain.imaging import ImagingStudy
from kypho.domain.levels import Level
from kypho.domain.patient import Patient
from kypho.domain.symptoms import ConservativeTreatment, FunctionScore, PainAssessment
from kypho.errors import InvalidInput


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    case_id: str
    patient: Patient = Patient()
    fractures: tuple[Fracture, ...] | None = None
    imaging: tuple[ImagingStudy, ...] | None = None
    pain: tuple[PainAssessment, ...] | None = None
    function: tuple[FunctionScore, ...] | None = None
    conservative_care: tuple[ConservativeTreatment, ...] | None = None
    contraindications: Contraindications = Contraindications()
    continuum_of_care: ContinuumOfCare = ContinuumOfCare()
    suspicion_signs: SuspicionSigns = SuspicionSigns()
    procedure: PlannedProcedure = PlannedProcedure()
    follow_up: tuple[FollowUpVisit, ...] | None = None

    def __post_init__(self) -> None:
        if not self.case_id.strip():
            raise InvalidInput("case_id: expected a non-empty identifier, got an empty one")
        check_unique_levels("fractures", (f.level for f in self.fractures or ()))

    def fracture(self, level: Level) -> Fracture | None:
        return next((f for f in self.fractures or () if f.level == level), None)

    @property
    def levels_under_review(self) -> tuple[Level, ...]:
        """The planned levels when a plan exists, else every fractured level."""
        if self.procedure.levels:
            return self.procedure.levels
        return tuple(f.level for f in self.fractures or ())

    def dated_events(self) -> tuple[tuple[str, date], ...]:
        """(field path, date) of every clinical event that must not lie in the future."""
        events: list[tuple[str, date | None]] = []
        events += [
            (f"fractures[{i}].symptom_onset_date", f.symptom_onset_date)
            for i, f in enumerate(self.fractures or ())
        ]
        events += [(f"imaging[{i}].date", s.study_date) for i, s in enumerate(self.imaging or ())]
        events += [(f"pain[{i}].date", p.assessed_on) for i, p in enumerate(self.pain or ())]
        events += [
            (f"function[{i}].date", s.assessed_on) for i, s in enumerate(self.function or ())
        ]
        events += [
            (f"conservative_care[{i}].start_date", t.start_date)
            for i, t in enumerate(self.conservative_care or ())
        ]
        return tuple((path, day) for path, day in events if day is not None)

    def check_not_after(self, on: date) -> None:
        """Raise ``InvalidInput`` if any clinical event is dated after ``on``."""
        for path, day in self.dated_events():
            if day > on:
                raise InvalidInput(
                    f"{path}: expected a date on or before the assessment date {on}, got {day}"
                )
