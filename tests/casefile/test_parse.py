"""Reading good case files: what each JSON spelling becomes in the domain."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kypho.casefile import load_case, parse_case
from kypho.domain import (
    Appearance,
    Etiology,
    FunctionInstrument,
    Level,
    Modality,
    NsmModality,
    PainScale,
    Sex,
)
from kypho.domain.patient import LB_PER_KG


def case_json(**fields: object) -> str:
    return json.dumps({"case_id": "c1", **fields})


def test_full_example_reads_into_the_domain(full_example_text: str) -> None:
    case = parse_case(full_example_text, source="example.json")

    assert case.case_id == "2026-0142"
    assert case.patient.sex is Sex.FEMALE
    assert case.patient.weight_kg == pytest.approx(128 / LB_PER_KG)
    assert case.patient.age_on(date(2026, 3, 2)) == 77
    assert case.patient.risk_factors.prior_fragility_fracture is True
    assert case.patient.risk_factors.rheumatoid_arthritis is None
    (fracture,) = case.fractures or ()
    assert (fracture.level, fracture.etiology) == (Level.L1, Etiology.OSTEOPOROTIC)
    mri = (case.imaging or ())[1]
    assert (mri.modality, mri.study_date, mri.label) == (
        Modality.MRI,
        date(2026, 2, 3),
        "MRI 2026-02-03 (study S1)",
    )
    finding = mri.finding(Level.L1)
    assert finding is not None and finding.appearance is Appearance.ACUTE
    assert finding.effective_height_loss_pct == pytest.approx((26.0 - 17.5) / 26.0 * 100)
    assert [p.assessed_on for p in case.pain or ()] == [date(2026, 1, 22), date(2026, 2, 17)]
    assert [s.instrument for s in case.function or ()] == [
        FunctionInstrument.RDQ,
        FunctionInstrument.ODI,
    ]
    assert (case.conservative_care or ())[1].duration_days(date(2026, 3, 1)) == 21
    assert case.contraindications.myelopathy is False
    assert case.contraindications.contrast_allergy is None
    assert case.procedure.procedure_date == date(2026, 3, 2)
    assert case.levels_under_review == (Level.L1,)
    visit = (case.follow_up or ())[0]
    assert (visit.visit_date, visit.rdq, visit.new_fractures, visit.complications) == (
        date(2026, 3, 16),
        9,
        (),
        (),
    )


def test_only_a_case_id_means_everything_unknown() -> None:
    case = parse_case(case_json())

    assert case.fractures is None and case.pain is None and case.follow_up is None
    assert case.patient.weight_kg is None
    assert case.contraindications.osteomyelitis is None


def test_absent_empty_and_null_lists_keep_their_meaning() -> None:
    assert parse_case(case_json()).conservative_care is None
    assert parse_case(case_json(conservative_care=None)).conservative_care is None
    assert parse_case(case_json(conservative_care=[])).conservative_care == ()


@pytest.mark.parametrize(
    ("weight", "expected_kg"),
    [({"value": 54.4, "unit": "kg"}, 54.4), ({"value": 120, "unit": "lb"}, 120 / LB_PER_KG)],
)
def test_weight_is_converted_to_kg_once(weight: dict[str, object], expected_kg: float) -> None:
    case = parse_case(case_json(patient={"weight": weight}))

    assert case.patient.weight_kg == pytest.approx(expected_kg)


def test_age_may_be_given_instead_of_birth_date() -> None:
    case = parse_case(case_json(patient={"age_years": 81}))

    assert case.patient.age_on(date(2026, 1, 1)) == 81


def test_defaults_for_pain_scale_and_optional_schema_version() -> None:
    case = parse_case(case_json(schema_version=1, pain=[{"score": 4}]))

    assert (case.pain or ())[0].scale is PainScale.NRS


def test_whole_rdq_written_as_decimal_is_accepted() -> None:
    case = parse_case(case_json(follow_up=[{"date": "2026-04-01", "rdq": 12.0}]))

    assert (case.follow_up or ())[0].rdq == 12


def test_boundary_values_are_accepted() -> None:
    case = parse_case(
        case_json(
            pain=[{"score": 0}, {"score": 10}],
            function=[{"instrument": "RDQ", "score": 24}, {"instrument": "ODI", "score": 100}],
            patient={"weight": {"value": 400, "unit": "kg"}, "age_years": 0, "asa_class": 6},
            conservative_care=[
                {"modality": "bed_rest", "start_date": "2026-01-01", "end_date": "2026-01-01"}
            ],
        )
    )

    assert (case.conservative_care or ())[0].modality is NsmModality.BED_REST


def test_load_case_reads_utf8_with_or_without_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text('\ufeff{"case_id": "Zoë-1"}', encoding="utf-8")

    assert load_case(path).case_id == "Zoë-1"
