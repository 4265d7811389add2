"""The patient: demographics, pregnancy and the risk factors planning and consent use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain._checks import check_positive, check_range
from kypho.errors import InvalidInput

LB_PER_KG = 2.2046226218


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskFactors:
    """Risk factors for fracture and for the procedure; ``None`` means not recorded.

    The first six are the clinic list in seed ``004_243690246ebd197d.txt``; the rest
    are FRAX clinical risk factors (clinical reference, section 7).
    """

    smoker: bool | None = None
    physically_inactive: bool | None = None
    chronic_steroid_use: bool | None = None
    chronic_alcohol_use: bool | None = None
    prior_fragility_fracture: bool | None = None
    parental_hip_fracture: bool | None = None
    rheumatoid_arthritis: bool | None = None
    secondary_osteoporosis: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Patient:
    birth_date: date | None = None
    age_years: int | None = None
    sex: Sex | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    pregnant: bool | None = None
    on_anticoagulants: bool | None = None
    asa_class: int | None = None
    risk_factors: RiskFactors = RiskFactors()

    def __post_init__(self) -> None:
        check_range("patient.age_years", self.age_years, 0, 130)
        check_positive("patient.weight_kg", self.weight_kg, " kg")
        check_range("patient.weight_kg", self.weight_kg, 0, 400, " kg")
        check_range("patient.height_cm", self.height_cm, 30, 250, " cm")
        check_range("patient.asa_class", self.asa_class, 1, 6)
        if self.sex is Sex.MALE and self.pregnant is True:
            raise InvalidInput(
                "patient.pregnant: expected false or left out when patient.sex is male, got true;"
                " check both fields"
            )

    def age_on(self, day: date) -> int | None:
        """Age in whole years on ``day``; from the birth date when known.

        >>> Patient(birth_date=date(1950, 6, 1)).age_on(date(2026, 5, 31))
        75
        """
        if self.birth_date is not None:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - int(before_birthday)
        return self.age_years

    @property
    def weight_lb(self) -> float | None:
        return None if self.weight_kg is None else self.weight_kg * LB_PER_KG
