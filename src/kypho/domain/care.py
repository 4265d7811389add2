"""Contraindications, continuum of care, the planned procedure, triage signs, follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain._checks import check_range, check_unique_levels
from kypho.domain.levels import Level
from kypho.domain.symptoms import NRS_MAX, ODI_MAX_PCT, RDQ_MAX
from kypho.errors import InvalidInput


@dataclass(frozen=True, slots=True, kw_only=True)
class Contraindications:
    """Contraindication facts; ``None`` means not assessed, ``False`` assessed absent."""

    osteomyelitis: bool | None = None
    discitis: bool | None = None
    systemic_infection: bool | None = None
    surgical_site_infection: bool | None = None
    uncorrected_coagulopathy: bool | None = None
    cement_allergy: bool | None = None
    contrast_allergy: bool | None = None
    spinal_instability: bool | None = None
    myelopathy: bool | None = None
    neurologic_deficit: bool | None = None
    neural_impingement: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContinuumOfCare:
    """The osteoporosis follow-through the LCD requires (clinical reference 1.2, I-4)."""

    bmd_referral_with_education: bool | None = None
    osteoporosis_program_instruction: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedProcedure:
    procedure_date: date | None = None
    levels: tuple[Level, ...] | None = None

    def __post_init__(self) -> None:
        check_unique_levels("procedure.levels", self.levels or ())


@dataclass(frozen=True, slots=True, kw_only=True)
class SuspicionSigns:
    """The ten signs of the 2018 care pathway's VCF-suspicion score (clinical reference 2.1)."""

    severe_mobility_limitation: bool | None = None
    pain_eases_with_rest: bool | None = None
    recent_minor_trauma: bool | None = None
    pain_with_activity: bool | None = None
    osteoporosis_or_osteopenia: bool | None = None
    previous_vcf: bool | None = None
    chronic_corticosteroids: bool | None = None
    spinous_process_tenderness: bool | None = None
    pain_on_position_change: bool | None = None
    midline_back_pain: bool | None = None


BED_DAYS_PER_MONTH_MAX = 31  # days in the longest month: a bound of the calendar


class AnalgesicUse(StrEnum):
    """The strongest pain medicine taken since the last visit.

    Analgesic use is an outcome the trials collect (clinical-reference.md §6); the three
    steps are a project convention (opioid or not: §6 "never on opioids" when driving).
    """

    NONE = "none"
    NON_OPIOID = "non_opioid"
    OPIOID = "opioid"


class OsteoporosisTreatment(StrEnum):
    """The osteoporosis treatment the patient is on at the visit.

    The care pathway asks that follow-up includes osteoporosis treatment, and the IOF
    Capture the Fracture KPIs count patients on anti-osteoporosis medication
    (clinical-reference.md §6, §6.2); the drug classes are a project convention
    needing clinical confirmation (the reference names no classes).
    """

    NONE = "none"
    CALCIUM_VITAMIN_D = "calcium_vitamin_d"
    ANTIRESORPTIVE = "antiresorptive"
    ANABOLIC = "anabolic"


@dataclass(frozen=True, slots=True, kw_only=True)
class NewFracture:
    """A new fracture reported at a follow-up visit, with the day it was diagnosed."""

    level: Level
    diagnosed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpVisit:
    """An outcome visit after the procedure; ``None`` means not measured at this visit.

    ``new_fractures`` lists every new fracture's level (the outcome alerts read it);
    ``new_fracture_events`` gives the day of those whose day is known, so each one's
    level must also be in ``new_fractures``.
    """

    visit_date: date
    nrs: float | None = None
    odi_pct: float | None = None
    rdq: int | None = None
    new_fractures: tuple[Level, ...] | None = None
    complications: tuple[str, ...] | None = None
    bed_days_per_month: int | None = None
    analgesic_use: AnalgesicUse | None = None
    osteoporosis_treatment: OsteoporosisTreatment | None = None
    new_fracture_events: tuple[NewFracture, ...] | None = None

    def __post_init__(self) -> None:
        where = f"follow_up {self.visit_date}"
        check_range(f"{where}.nrs", self.nrs, 0, NRS_MAX)
        check_range(f"{where}.odi_pct", self.odi_pct, 0, ODI_MAX_PCT, " %")
        check_range(f"{where}.rdq", self.rdq, 0, RDQ_MAX)
        check_range(
            f"{where}.bed_days_per_month", self.bed_days_per_month, 0, BED_DAYS_PER_MONTH_MAX,
            " days",
        )  # fmt: skip
        self._check_fracture_dates(where)

    def _check_fracture_dates(self, where: str) -> None:
        levels = set(self.new_fractures or ())
        for event in self.new_fracture_events or ():
            if event.level not in levels:
                raise InvalidInput(
                    f"{where}.new_fracture_events ({event.level}).level: expected a level "
                    f"listed in new_fractures, got {event.level}"
                )
            if event.diagnosed_on > self.visit_date:
                raise InvalidInput(
                    f"{where}.new_fracture_events ({event.level}).date: expected a date on or "
                    f"before the visit ({self.visit_date}), got {event.diagnosed_on}"
                )
