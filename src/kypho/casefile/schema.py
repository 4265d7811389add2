"""Pydantic models of the JSON case file: the edge twin of ``kypho.domain``.

Field names are the domain's, except that a record's own date is ``date``
(``assessed_on``, ``study_date``, ``visit_date`` and ``procedure_date`` in the domain)
and the patient's weight is ``weight: {value, unit}`` (``weight_kg`` in the domain).
Cross-field checks raise errors whose context names the offending field (``at``)
and value (``found``), so a message can point at it.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from kypho.casefile.types import CASE_FILE_VERSION, Bounded, IsoDate, LevelField, SchemaVersion
from kypho.domain import (
    AnalgesicUse,
    Appearance,
    Etiology,
    FunctionInstrument,
    Modality,
    NsmModality,
    OsteoporosisTreatment,
    PainScale,
    Response,
    Sex,
)
from kypho.domain.care import BED_DAYS_PER_MONTH_MAX
from kypho.domain.chronology import EARLIEST_DATE
from kypho.domain.imaging import (
    BONE_DENSITY_LEVELS,
    PLAUSIBLE_TRABECULAR_HU,
    BoneDensityFlag,
    ContrastPhase,
    bone_density_flag,
)
from kypho.domain.patient import LB_PER_KG
from kypho.domain.symptoms import NRS_MAX, ODI_MAX_PCT, RDQ_MAX

SCHEMA_VERSION: Final = CASE_FILE_VERSION
MAX_WEIGHT_KG = 400  # the domain's Patient bound

Flag = bool | None
Mm = Annotated[float, Bounded(0, 100, unit="mm")]
Pct = Annotated[float, Bounded(0, 100, unit="%")]
Nrs = Annotated[float, Bounded(0, NRS_MAX)]
OdiPct = Annotated[float, Bounded(0, ODI_MAX_PCT, unit="%")]
Rdq = Annotated[int, Bounded(0, RDQ_MAX, whole=True)]
BedDays = Annotated[int, Bounded(0, BED_DAYS_PER_MONTH_MAX, unit="days", whole=True)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _weight_json_schema(schema: dict[str, Any]) -> None:
    """Publish the upper weight bound in each unit as JSON Schema ``if``/``then`` rules."""
    limits = {"kg": MAX_WEIGHT_KG, "lb": round(MAX_WEIGHT_KG * LB_PER_KG, 1)}
    schema["allOf"] = [
        {
            "if": {"properties": {"unit": {"const": unit}}},
            "then": {"properties": {"value": {"maximum": limit}}},
        }
        for unit, limit in limits.items()
    ]


class WeightModel(_Record):
    """A body weight with its unit; kypho converts it to kg once, on reading."""

    model_config = ConfigDict(json_schema_extra=_weight_json_schema)

    value: Annotated[float, Bounded(0, lo_open=True)]
    unit: Literal["kg", "lb"]

    @property
    def kg(self) -> float:
        return self.value if self.unit == "kg" else self.value / LB_PER_KG

    @model_validator(mode="after")
    def _plausible(self) -> Self:
        if self.kg > MAX_WEIGHT_KG:
            limit = (
                f"{MAX_WEIGHT_KG} kg"
                if self.unit == "kg"
                else f"{MAX_WEIGHT_KG * LB_PER_KG:.0f} lb"
            )
            raise PydanticCustomError(
                "range",
                "expected a weight up to {limit}",
                {"limit": limit, "at": "value", "found": self.value},
            )
        return self


class RiskFactorsModel(_Record):
    smoker: Flag = None
    physically_inactive: Flag = None
    chronic_steroid_use: Flag = None
    chronic_alcohol_use: Flag = None
    prior_fragility_fracture: Flag = None
    parental_hip_fracture: Flag = None
    rheumatoid_arthritis: Flag = None
    secondary_osteoporosis: Flag = None


def _patient_json_schema(schema: dict[str, Any]) -> None:
    """Publish "a male patient is not pregnant" as a JSON Schema ``if``/``then`` rule."""
    schema["allOf"] = [
        {
            "if": {"properties": {"sex": {"const": "male"}}, "required": ["sex"]},
            "then": {"properties": {"pregnant": {"not": {"const": True}}}},
        }
    ]


class PatientModel(_Record):
    model_config = ConfigDict(json_schema_extra=_patient_json_schema)

    birth_date: IsoDate | None = None
    age_years: Annotated[int, Bounded(0, 130, whole=True)] | None = None
    sex: Sex | None = None
    weight: WeightModel | None = None
    height_cm: Annotated[float, Bounded(30, 250, unit="cm")] | None = None
    pregnant: Flag = None
    on_anticoagulants: Flag = None
    asa_class: Annotated[int, Bounded(1, 6, whole=True)] | None = None
    risk_factors: RiskFactorsModel = Field(default_factory=RiskFactorsModel)

    @model_validator(mode="after")
    def _male_not_pregnant(self) -> Self:
        if self.sex is Sex.MALE and self.pregnant is True:
            raise PydanticCustomError(
                "male_pregnant",
                "expected false or left out when patient.sex is male",
                {"at": "pregnant", "found": True},
            )
        return self


class FractureModel(_Record):
    level: LevelField
    etiology: Etiology | None = None
    symptom_onset_date: IsoDate | None = None
    pain_attributed_to_fracture: Flag = None
    needs_reinforcement_before_surgery: Flag = None


class LevelFindingModel(_Record):
    level: LevelField
    marrow_edema: Flag = None
    uptake: Flag = None
    appearance: Appearance | None = None
    height_loss_pct: Pct | None = None
    height_loss_min_pct: Pct | None = None
    height_loss_max_pct: Pct | None = None
    anterior_height_mm: Mm | None = None
    middle_height_mm: Mm | None = None
    posterior_height_mm: Mm | None = None
    reference_height_mm: Annotated[float, Bounded(0, 100, unit="mm", lo_open=True)] | None = None
    kyphotic_deformity: Flag = None
    wedge_angle_deg: Annotated[float, Bounded(-90, 90, unit="degrees")] | None = None
    retropulsion: Flag = None
    retropulsion_mm: Annotated[float, Bounded(0, 50, unit="mm")] | None = None
    progression: Flag = None
    source: str | None = None

    @model_validator(mode="after")
    def _range_holds_value(self) -> Self:
        lo, hi, value = self.height_loss_min_pct, self.height_loss_max_pct, self.height_loss_pct
        if lo is None and hi is None:
            return self
        if lo is None or hi is None or value is None:
            missing = next(
                name
                for name, v in (
                    ("height_loss_pct", value),
                    ("height_loss_min_pct", lo),
                    ("height_loss_max_pct", hi),
                )
                if v is None
            )
            raise PydanticCustomError(
                "range",
                "expected height_loss_pct with height_loss_min_pct and height_loss_max_pct",
                {"at": missing, "found": None},
            )
        if not lo <= value <= hi:
            raise PydanticCustomError(
                "range",
                "expected a number from height_loss_min_pct ({lo}) to height_loss_max_pct ({hi})",
                {"lo": f"{lo:g}", "hi": f"{hi:g}", "at": "height_loss_pct", "found": value},
            )
        return self


Hu = Annotated[float, Bounded(*PLAUSIBLE_TRABECULAR_HU, unit="HU")]


class BoneDensityModel(_Record):
    """A CT's trabecular attenuation at one level: a screening flag, never a diagnosis."""

    level: LevelField
    mean_hu: Hu
    median_hu: Hu | None = None
    voxel_count: Annotated[int, Bounded(1, whole=True)] | None = None
    roi: str | None = None
    flag: BoneDensityFlag | None = None
    contrast_phase: ContrastPhase = ContrastPhase.UNKNOWN
    source: str | None = None

    @model_validator(mode="after")
    def _screenable(self) -> Self:
        if self.level not in BONE_DENSITY_LEVELS:
            raise PydanticCustomError(
                "level",
                "expected one of T12-L5 (the levels Pickhardt 2013's thresholds hold for)",
                {"at": "level", "found": str(self.level)},
            )
        expected = bone_density_flag(self.mean_hu)
        if self.flag is not None and self.flag is not expected:
            raise PydanticCustomError(
                "flag",
                "expected {expected} for mean_hu {hu} (Pickhardt 2013: <= 110, <= 160, > 160 HU)",
                {"expected": expected.value, "hu": f"{self.mean_hu:g}", "at": "flag",
                 "found": self.flag.value},
            )  # fmt: skip
        return self


class ImagingStudyModel(_Record):
    modality: Modality
    date: IsoDate | None = None
    study_id: str | None = None
    findings: list[LevelFindingModel] = Field(default_factory=list)
    bone_density: BoneDensityModel | None = None

    @model_validator(mode="after")
    def _density_on_ct(self) -> Self:
        if self.bone_density is not None and self.modality is not Modality.CT:
            raise PydanticCustomError(
                "modality",
                "expected a CT study for bone_density (trabecular attenuation in HU)",
                {"at": "bone_density", "found": str(self.modality)},
            )
        return self


class PainModel(_Record):
    score: Nrs
    scale: PainScale = PainScale.NRS
    date: IsoDate | None = None
    hospitalized: Flag = None


_FUNCTION_RANGES = {
    FunctionInstrument.RDQ: Bounded(0, RDQ_MAX, whole=True),
    FunctionInstrument.ODI: Bounded(0, ODI_MAX_PCT, unit="%"),
}


def _function_json_schema(schema: dict[str, Any]) -> None:
    """Publish the per-instrument score range as JSON Schema ``if``/``then`` rules."""
    schema["allOf"] = [
        {
            "if": {"properties": {"instrument": {"const": str(instrument)}}},
            "then": {
                "properties": {
                    "score": {"minimum": bounds.lo, "maximum": bounds.hi}
                    | ({"multipleOf": 1} if bounds.whole else {})
                }
            },
        }
        for instrument, bounds in _FUNCTION_RANGES.items()
    ]


class FunctionScoreModel(_Record):
    model_config = ConfigDict(json_schema_extra=_function_json_schema)

    instrument: FunctionInstrument
    score: float
    date: IsoDate | None = None

    @model_validator(mode="after")
    def _in_range(self) -> Self:
        bounds = _FUNCTION_RANGES[self.instrument]
        if not bounds.accepts(self.score):
            raise PydanticCustomError(
                "range",
                "expected {expected} for {instrument}",
                {
                    "expected": bounds.expected,
                    "instrument": str(self.instrument),
                    "at": "score",
                    "found": self.score,
                },
            )
        return self


class ConservativeTreatmentModel(_Record):
    modality: NsmModality
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    response: Response | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise PydanticCustomError(
                "date_order",
                "expected a date on or after start_date {start}",
                {
                    "start": self.start_date.isoformat(),
                    "at": "end_date",
                    "found": self.end_date.isoformat(),
                },
            )
        return self


class ContraindicationsModel(_Record):
    osteomyelitis: Flag = None
    discitis: Flag = None
    systemic_infection: Flag = None
    surgical_site_infection: Flag = None
    uncorrected_coagulopathy: Flag = None
    cement_allergy: Flag = None
    contrast_allergy: Flag = None
    spinal_instability: Flag = None
    myelopathy: Flag = None
    neurologic_deficit: Flag = None
    neural_impingement: Flag = None


class ContinuumOfCareModel(_Record):
    bmd_referral_with_education: Flag = None
    osteoporosis_program_instruction: Flag = None


class SuspicionSignsModel(_Record):
    severe_mobility_limitation: Flag = None
    pain_eases_with_rest: Flag = None
    recent_minor_trauma: Flag = None
    pain_with_activity: Flag = None
    osteoporosis_or_osteopenia: Flag = None
    previous_vcf: Flag = None
    chronic_corticosteroids: Flag = None
    spinous_process_tenderness: Flag = None
    pain_on_position_change: Flag = None
    midline_back_pain: Flag = None


class ProcedureModel(_Record):
    date: IsoDate | None = None
    levels: list[LevelField] | None = None


class NewFractureModel(_Record):
    """A new fracture found at a follow-up visit and the day it was diagnosed."""

    level: LevelField
    date: IsoDate


class FollowUpVisitModel(_Record):
    date: IsoDate
    nrs: Nrs | None = None
    odi_pct: OdiPct | None = None
    rdq: Rdq | None = None
    new_fractures: list[LevelField] | None = None
    complications: list[str] | None = None
    new_fracture_events: list[NewFractureModel] | None = None
    bed_days_per_month: BedDays | None = None
    analgesic_use: AnalgesicUse | None = None
    osteoporosis_treatment: OsteoporosisTreatment | None = None

    @model_validator(mode="after")
    def _events_listed_and_dated(self) -> Self:
        listed = set(self.new_fractures or ())
        for i, event in enumerate(self.new_fracture_events or ()):
            if event.level not in listed:
                raise PydanticCustomError(
                    "unlisted",
                    "expected a level also listed in new_fractures",
                    {"at": ("new_fracture_events", i, "level"), "found": str(event.level)},
                )
            if not EARLIEST_DATE <= event.date <= self.date:
                raise PydanticCustomError(
                    "date_order",
                    "expected a date from {earliest} to the visit's date {visit}",
                    {
                        "earliest": EARLIEST_DATE.isoformat(),
                        "visit": self.date.isoformat(),
                        "at": ("new_fracture_events", i, "date"),
                        "found": event.date.isoformat(),
                    },
                )
        return self


class CaseModel(_Record):
    """A kyphoplasty case file. Absent (or null) means unknown; ``[]`` means none."""

    model_config = ConfigDict(title="kypho case file")

    schema_version: SchemaVersion = SCHEMA_VERSION
    case_id: Annotated[str, Field(min_length=1)]
    patient: PatientModel = Field(default_factory=PatientModel)
    fractures: list[FractureModel] | None = None
    imaging: list[ImagingStudyModel] | None = None
    pain: list[PainModel] | None = None
    function: list[FunctionScoreModel] | None = None
    conservative_care: list[ConservativeTreatmentModel] | None = None
    contraindications: ContraindicationsModel = Field(default_factory=ContraindicationsModel)
    continuum_of_care: ContinuumOfCareModel = Field(default_factory=ContinuumOfCareModel)
    suspicion_signs: SuspicionSignsModel = Field(default_factory=SuspicionSignsModel)
    procedure: ProcedureModel = Field(default_factory=ProcedureModel)
    follow_up: list[FollowUpVisitModel] | None = None

    @model_validator(mode="after")
    def _one_fracture_per_level(self) -> Self:
        first_index: dict[str, int] = {}
        for i, fracture in enumerate(self.fractures or ()):
            if fracture.level in first_index:
                raise PydanticCustomError(
                    "duplicate",
                    "expected one entry per level, but {level} is already fractures[{first}]",
                    {
                        "level": str(fracture.level),
                        "first": first_index[fracture.level],
                        "at": ("fractures", i, "level"),
                        "found": str(fracture.level),
                    },
                )
            first_index[fracture.level] = i
        return self
