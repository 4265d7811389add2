"""A kyphoplasty case: everything known about one patient's fractures and care.

Every field may be absent, and absence means unknown. For the collections, ``None``
means "not recorded" while ``()`` means "recorded: there are none".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kypho.domain._checks import check_unique_levels
from kypho.domain.care import (
    ContinuumOfCare,
    Contraindications,
    FollowUpVisit,
    PlannedProcedure,
    SuspicionSigns,
)
from kypho.domain.chronology import (
    check_after_birth,
    check_dates_in_range,
    check_follow_up_after_procedure,
    clinical_events,
)
from kypho.domain.fracture import Fracture
from kypho.domain.imaging import ImagingStudy
from kypho.domain.levels import Level
from kypho.domain.patient import Patient
from kypho.domain.symptoms import ConservativeTreatment, FunctionScore, PainAssessment
from kypho.errors import InvalidCaseFile, InvalidInput


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One patient's case.

    ``source`` says where the case was read from (a case file's path), so that a
    later check can name the file; it is not part of the case: it is not compared,
    not shown in ``repr`` and not written to a case file.
    """

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
    source: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.case_id.strip():
            raise InvalidInput("case_id: expected a non-empty identifier, got an empty one")
        check_unique_levels("fractures", (f.level for f in self.fractures or ()))
        check_dates_in_range(self)
        check_after_birth(self)
        check_follow_up_after_procedure(self)

    def fracture(self, level: Level) -> Fracture | None:
        return next((f for f in self.fractures or () if f.level == level), None)

    @property
    def levels_under_review(self) -> tuple[Level, ...]:
        """The planned levels when a plan exists, else every fractured level."""
        if self.procedure.levels:
            return self.procedure.levels
        return tuple(f.level for f in self.fractures or ())

    def dated_events(self) -> tuple[tuple[str, date], ...]:
        """(field path, date) of the birth date and every clinical event, follow-up
        visits included: none of them may lie after the assessment date."""
        born = self.patient.birth_date
        birth = (("patient.birth_date", born),) if born is not None else ()
        return birth + clinical_events(self)

    def check_not_after(self, on: date) -> None:
        """Raise if any dated event lies after ``on``, naming the field and the file.

        Raises
        ------
        InvalidCaseFile
            When the case came from a file (``source``): the message starts with it.
        InvalidInput
            Otherwise.
        """
        for path, day in self.dated_events():
            if day > on:
                text = f"{path}: expected a date on or before the assessment date {on}, got {day}"
                if self.source:
                    raise InvalidCaseFile(f"{self.source}: {text}", field=path, source=self.source)
                raise InvalidInput(text)
