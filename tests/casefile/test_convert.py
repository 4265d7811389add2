"""Explicit conversion between case-file models and the domain, both ways."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from chronological import chronological_cases as cases
from hypothesis import given, settings
from pydantic import BaseModel

from kypho.casefile.convert import case_from_model, model_from_case
from kypho.casefile.schema import (
    CaseModel,
    ConservativeTreatmentModel,
    ContinuumOfCareModel,
    ContraindicationsModel,
    FollowUpVisitModel,
    FractureModel,
    FunctionScoreModel,
    ImagingStudyModel,
    LevelFindingModel,
    PainModel,
    PatientModel,
    ProcedureModel,
    RiskFactorsModel,
    SuspicionSignsModel,
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
    PainAssessment,
    PainScale,
    Patient,
    PlannedProcedure,
    RiskFactors,
    SuspicionSigns,
)
from kypho.errors import InvalidInput

# (model, domain type, {JSON name: domain name}): the documented renames, and only those.
MIRRORS: list[tuple[type[BaseModel], type, dict[str, str]]] = [
    (CaseModel, Case, {"schema_version": ""}),
    (PatientModel, Patient, {"weight": "weight_kg"}),
    (RiskFactorsModel, RiskFactors, {}),
    (FractureModel, Fracture, {}),
    (ImagingStudyModel, ImagingStudy, {"date": "study_date"}),
    (LevelFindingModel, LevelFinding, {}),
    (PainModel, PainAssessment, {"date": "assessed_on"}),
    (FunctionScoreModel, FunctionScore, {"date": "assessed_on"}),
    (ConservativeTreatmentModel, ConservativeTreatment, {}),
    (ContraindicationsModel, Contraindications, {}),
    (ContinuumOfCareModel, ContinuumOfCare, {}),
    (SuspicionSignsModel, SuspicionSigns, {}),
    (ProcedureModel, PlannedProcedure, {"date": "procedure_date"}),
    (FollowUpVisitModel, FollowUpVisit, {"date": "visit_date"}),
]


@pytest.mark.parametrize(
    ("model", "domain", "renames"), MIRRORS, ids=lambda x: getattr(x, "__name__", "")
)
def test_models_mirror_every_domain_field(
    model: type[BaseModel], domain: type, renames: dict[str, str]
) -> None:
    as_domain = {renames.get(name, name) for name in model.model_fields} - {""}
    # Case.source is where the case was read from, not part of the case (compare=False)
    in_case = {f.name for f in dataclasses.fields(domain) if f.compare}

    assert as_domain == in_case


@settings(max_examples=60, deadline=None)
@given(cases())
def test_model_round_trip_is_exact(case: Case) -> None:
    assert case_from_model(model_from_case(case)) == case


def test_model_from_case_writes_kg_and_record_dates() -> None:
    case = Case(
        case_id="c1",
        patient=Patient(weight_kg=61.5),
        pain=(PainAssessment(score=6, assessed_on=date(2026, 1, 2)),),
        follow_up=(FollowUpVisit(visit_date=date(2026, 4, 1)),),
    )

    model = model_from_case(case)

    assert model.patient.weight is not None
    assert (model.patient.weight.value, model.patient.weight.unit) == (61.5, "kg")
    assert model.pain is not None and model.pain[0].date == date(2026, 1, 2)
    assert model.follow_up is not None and model.follow_up[0].date == date(2026, 4, 1)
    assert model.fractures is None


def test_domain_invariants_still_guard_unvalidated_models() -> None:
    # model_construct skips validation: the domain's own check is the last line of defence.
    model = CaseModel.model_construct(
        case_id="c1",
        pain=[
            PainModel.model_construct(score=11, scale=PainScale.NRS, date=None, hospitalized=None)
        ],
    )

    with pytest.raises(InvalidInput, match=r"score: expected a number from 0 to 10, got 11"):
        case_from_model(model)
