"""Pain and function over time, and the non-surgical management tried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain._checks import check_range
from kypho.errors import InvalidInput

NRS_MAX = 10  # numeric rating / visual analogue scale, 0-10
RDQ_MAX = 24  # Roland-Morris Disability Questionnaire, 0-24
ODI_MAX_PCT = 100  # Oswestry Disability Index, 0-100


class PainScale(StrEnum):
    NRS = "NRS"
    VAS = "VAS"


class FunctionInstrument(StrEnum):
    RDQ = "RDQ"
    ODI = "ODI"


class NsmModality(StrEnum):
    """Non-surgical management as the LCD lists it (clinical reference 1.2)."""

    ANALGESICS = "analgesics"
    BRACING = "bracing"
    PHYSICAL_THERAPY = "physical_therapy"
    BED_REST = "bed_rest"
    ANTI_OSTEOPOROSIS = "anti_osteoporosis"


class Response(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"


@dataclass(frozen=True, slots=True, kw_only=True)
class PainAssessment:
    score: float
    scale: PainScale = PainScale.NRS
    assessed_on: date | None = None
    hospitalized: bool | None = None

    def __post_init__(self) -> None:
        check_range(f"pain ({self.scale}).score", self.score, 0, NRS_MAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionScore:
    instrument: FunctionInstrument
    score: float
    assessed_on: date | None = None

    def __post_init__(self) -> None:
        if self.instrument is FunctionInstrument.RDQ:
            check_range("function (RDQ).score", self.score, 0, RDQ_MAX)
            if self.score != int(self.score):
                raise InvalidInput(
                    f"function (RDQ).score: expected a whole number, got {self.score}"
                )
        else:
            check_range("function (ODI).score", self.score, 0, ODI_MAX_PCT, " %")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConservativeTreatment:
    modality: NsmModality
    start_date: date | None = None
    end_date: date | None = None
    response: Response | None = None

    def __post_init__(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise InvalidInput(
                f"conservative_care ({self.modality}).end_date: expected on or after the start "
                f"date {self.start_date}, got {self.end_date}"
            )

    def duration_days(self, on: date) -> int | None:
        """Days of treatment up to ``on`` (an open course runs to ``on``)."""
        if self.start_date is None:
            return None
        end = min(self.end_date or on, on)
        return max(0, (end - self.start_date).days)
