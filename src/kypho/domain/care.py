"""Contraindications, continuum of care, the planned procedure, triage signs, follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kypho.domain._checks import check_range, check_unique_levels
from kypho.domain.levels import Level
from kypho.domain.symptoms import NRS_MAX, ODI_MAX_PCT, RDQ_MAX


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


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpVisit:
    """An outcome visit after the procedure; ``None`` means not measured at this visit."""

    visit_date: date
    nrs: float | None = None
    odi_pct: float | None = None
    rdq: int | None = None
    new_fractures: tuple[Level, ...] | None = None
    complications: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        where = f"follow_up {self.visit_date}"
        check_range(f"{where}.nrs", self.nrs, 0, NRS_MAX)
        check_range(f"{where}.odi_pct", self.odi_pct, 0, ODI_MAX_PCT, " %")
        check_range(f"{where}.rdq", self.rdq, 0, RDQ_MAX)
