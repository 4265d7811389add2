"""Explicit conversion between the case-file models and the domain ``Case``.

Flat records (risk factors, contraindications...) convert field by field under the
same names; the renamed fields (``date``, ``weight``) are spelled out here and only here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from kypho.casefile.schema import (
    BoneDensityModel,
    CaseModel,
    ConservativeTreatmentModel,
    ContinuumOfCareModel,
    ContraindicationsModel,
    FollowUpVisitModel,
    FractureModel,
    FunctionScoreModel,
    ImagingStudyModel,
    LevelFindingModel,
    NewFractureModel,
    PainModel,
    PatientModel,
    ProcedureModel,
    RiskFactorsModel,
    SuspicionSignsModel,
    WeightModel,
)
from kypho.domain import (
    Case,
    ConservativeTreatment,
    ContinuumOfCare,
    Contraindications,
    FollowUpVisit,
    Fracture,
    FunctionScore,
    ImagingStudy,
    LevelFinding,
    NewFracture,
    PainAssessment,
    Patient,
    PlannedProcedure,
    RiskFactors,
    SuspicionSigns,
)
from kypho.domain.imaging import BoneDensity

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def _tuple_or_none(
    items: Iterable[_In] | None, convert: Callable[[_In], _Out]
) -> tuple[_Out, ...] | None:
    return None if items is None else tuple(convert(item) for item in items)


def _list_or_none(items: Iterable[_In] | None, convert: Callable[[_In], _Out]) -> list[_Out] | None:
    return None if items is None else [convert(item) for item in items]


def _same_names(source: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(source, name) for name in names}


# ---- model -> domain


def patient_from_model(model: PatientModel) -> Patient:
    flat = _same_names(
        model, (n for n in PatientModel.model_fields if n not in ("weight", "risk_factors"))
    )
    return Patient(
        **flat,
        weight_kg=None if model.weight is None else model.weight.kg,
        risk_factors=RiskFactors(**model.risk_factors.model_dump()),
    )


def imaging_from_model(model: ImagingStudyModel) -> ImagingStudy:
    return ImagingStudy(
        modality=model.modality,
        study_date=model.date,
        study_id=model.study_id,
        findings=tuple(LevelFinding(**f.model_dump()) for f in model.findings),
        bone_density=None
        if model.bone_density is None
        else BoneDensity(**model.bone_density.model_dump()),
    )


def follow_up_from_model(model: FollowUpVisitModel) -> FollowUpVisit:
    return FollowUpVisit(
        visit_date=model.date,
        nrs=model.nrs,
        odi_pct=model.odi_pct,
        rdq=model.rdq,
        new_fractures=_tuple_or_none(model.new_fractures, lambda level: level),
        complications=_tuple_or_none(model.complications, str),
        bed_days_per_month=model.bed_days_per_month,
        analgesic_use=model.analgesic_use,
        osteoporosis_treatment=model.osteoporosis_treatment,
        new_fracture_events=_tuple_or_none(
            model.new_fracture_events,
            lambda e: NewFracture(level=e.level, diagnosed_on=e.date),
        ),
    )


def case_from_model(model: CaseModel, *, source: str | None = None) -> Case:
    """The domain ``Case`` a validated case file describes; ``source`` names the file.

    Raises ``InvalidInput`` where a domain invariant rejects the values.
    """
    return Case(
        source=source,
        case_id=model.case_id,
        patient=patient_from_model(model.patient),
        fractures=_tuple_or_none(model.fractures, lambda f: Fracture(**f.model_dump())),
        imaging=_tuple_or_none(model.imaging, imaging_from_model),
        pain=_tuple_or_none(
            model.pain,
            lambda p: PainAssessment(
                score=p.score, scale=p.scale, assessed_on=p.date, hospitalized=p.hospitalized
            ),
        ),
        function=_tuple_or_none(
            model.function,
            lambda s: FunctionScore(instrument=s.instrument, score=s.score, assessed_on=s.date),
        ),
        conservative_care=_tuple_or_none(
            model.conservative_care, lambda t: ConservativeTreatment(**t.model_dump())
        ),
        contraindications=Contraindications(**model.contraindications.model_dump()),
        continuum_of_care=ContinuumOfCare(**model.continuum_of_care.model_dump()),
        suspicion_signs=SuspicionSigns(**model.suspicion_signs.model_dump()),
        procedure=PlannedProcedure(
            procedure_date=model.procedure.date,
            levels=_tuple_or_none(model.procedure.levels, lambda level: level),
        ),
        follow_up=_tuple_or_none(model.follow_up, follow_up_from_model),
    )


# ---- domain -> model


def model_from_patient(patient: Patient) -> PatientModel:
    weight = None if patient.weight_kg is None else WeightModel(value=patient.weight_kg, unit="kg")
    flat = _same_names(
        patient, (n for n in PatientModel.model_fields if n not in ("weight", "risk_factors"))
    )
    return PatientModel(
        **flat,
        weight=weight,
        risk_factors=RiskFactorsModel(
            **_same_names(patient.risk_factors, RiskFactorsModel.model_fields)
        ),
    )


def model_from_imaging(study: ImagingStudy) -> ImagingStudyModel:
    return ImagingStudyModel(
        modality=study.modality,
        date=study.study_date,
        study_id=study.study_id,
        findings=[
            LevelFindingModel(**_same_names(f, LevelFindingModel.model_fields))
            for f in study.findings
        ],
        bone_density=None
        if study.bone_density is None
        else BoneDensityModel(**_same_names(study.bone_density, BoneDensityModel.model_fields)),
    )


def model_from_follow_up(visit: FollowUpVisit) -> FollowUpVisitModel:
    return FollowUpVisitModel(
        date=visit.visit_date,
        nrs=visit.nrs,
        odi_pct=visit.odi_pct,
        rdq=visit.rdq,
        new_fractures=_list_or_none(visit.new_fractures, lambda level: level),
        complications=_list_or_none(visit.complications, str),
        bed_days_per_month=visit.bed_days_per_month,
        analgesic_use=visit.analgesic_use,
        osteoporosis_treatment=visit.osteoporosis_treatment,
        new_fracture_events=_list_or_none(
            visit.new_fracture_events,
            lambda e: NewFractureModel(level=e.level, date=e.diagnosed_on),
        ),
    )


def model_from_case(case: Case) -> CaseModel:
    """The case-file model of a domain ``Case`` (weight in kg)."""
    return CaseModel(
        case_id=case.case_id,
        patient=model_from_patient(case.patient),
        fractures=_list_or_none(
            case.fractures, lambda f: FractureModel(**_same_names(f, FractureModel.model_fields))
        ),
        imaging=_list_or_none(case.imaging, model_from_imaging),
        pain=_list_or_none(
            case.pain,
            lambda p: PainModel(
                score=p.score, scale=p.scale, date=p.assessed_on, hospitalized=p.hospitalized
            ),
        ),
        function=_list_or_none(
            case.function,
            lambda s: FunctionScoreModel(
                instrument=s.instrument, score=s.score, date=s.assessed_on
            ),
        ),
        conservative_care=_list_or_none(
            case.conservative_care,
            lambda t: ConservativeTreatmentModel(
                **_same_names(t, ConservativeTreatmentModel.model_fields)
            ),
        ),
        contraindications=ContraindicationsModel(
            **_same_names(case.contraindications, ContraindicationsModel.model_fields)
        ),
        continuum_of_care=ContinuumOfCareModel(
            **_same_names(case.continuum_of_care, ContinuumOfCareModel.model_fields)
        ),
        suspicion_signs=SuspicionSignsModel(
            **_same_names(case.suspicion_signs, SuspicionSignsModel.model_fields)
        ),
        procedure=ProcedureModel(
            date=case.procedure.procedure_date,
            levels=_list_or_none(case.procedure.levels, lambda level: level),
        ),
        follow_up=_list_or_none(case.follow_up, model_from_follow_up),
    )
