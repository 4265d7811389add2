"""Writing case files, and the published JSON Schema agreeing with the reader."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from chronological import chronological_cases as cases
from hypothesis import given, settings
from jsonschema import Draft202012Validator, ValidationError

from kypho.casefile import case_json_schema, case_to_dict, dump_case, parse_case
from kypho.domain import Case, ConservativeTreatment, NsmModality, PainAssessment, Patient

SCHEMA_COPY = Path(__file__).resolve().parents[2] / "docs" / "case.schema.json"
REGENERATE = (
    ".venv/bin/python -c 'import json; from kypho.casefile import case_json_schema; "
    "print(json.dumps(case_json_schema(), indent=2, ensure_ascii=False))' > docs/case.schema.json"
    "  (or: kypho schema > docs/case.schema.json)"
)


def _flatten(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """Every error, including those nested under ``anyOf`` (our optional fields)."""
    for error in errors:
        yield error
        yield from _flatten(error.context or ())


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = case_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_parse_of_dump_is_the_same_case(case: Case) -> None:
    assert parse_case(dump_case(case)) == case


@settings(max_examples=40, deadline=None)
@given(case=cases())
def test_every_dumped_case_satisfies_the_published_schema(
    case: Case, validator: Draft202012Validator
) -> None:
    assert list(validator.iter_errors(case_to_dict(case))) == []


def test_dump_is_pretty_stable_and_leaves_unknowns_out() -> None:
    case = Case(
        case_id="c1",
        patient=Patient(weight_kg=70.0),
        pain=(PainAssessment(score=7.0, assessed_on=date(2026, 2, 1)),),
        conservative_care=(),
    )

    text = dump_case(case)

    assert text.endswith("}\n") and text.startswith('{\n  "schema_version": 1,\n  "case_id": "c1",')
    assert json.loads(text) == {
        "schema_version": 1,
        "case_id": "c1",
        "patient": {"weight": {"value": 70, "unit": "kg"}},
        "pain": [{"score": 7, "scale": "NRS", "date": "2026-02-01"}],
        "conservative_care": [],
    }
    assert dump_case(parse_case(text)) == text


def test_dump_keeps_key_order_of_the_format(full_example_text: str) -> None:
    data = case_to_dict(parse_case(full_example_text))

    assert list(data) == [
        "schema_version",
        "case_id",
        "patient",
        "fractures",
        "imaging",
        "pain",
        "function",
        "conservative_care",
        "contraindications",
        "continuum_of_care",
        "suspicion_signs",
        "procedure",
        "follow_up",
    ]
    treatment = ConservativeTreatment(modality=NsmModality.BRACING, end_date=date(2026, 1, 9))
    assert case_to_dict(Case(case_id="x", conservative_care=(treatment,)))["conservative_care"] == [
        {"modality": "bracing", "end_date": "2026-01-09"}
    ]


def test_full_example_satisfies_the_schema(
    full_example_text: str, validator: Draft202012Validator
) -> None:
    assert list(validator.iter_errors(json.loads(full_example_text))) == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"case_id": None}, "None is not of type 'string'"),
        ({"fractrues": []}, "Additional properties are not allowed ('fractrues' was unexpected)"),
        ({"fractures": [{"level": "T13"}]}, "'T13' is not one of"),
        ({"pain": [{"score": 11}]}, "11 is greater than the maximum of 10"),
        (
            {"function": [{"instrument": "RDQ", "score": 30}]},
            "30 is greater than the maximum of 24",
        ),
        ({"function": [{"instrument": "RDQ", "score": 2.5}]}, "2.5 is not a multiple of 1"),
        (
            {"patient": {"weight": {"value": 900, "unit": "lb"}}},
            "900 is greater than the maximum of 881.8",
        ),
        (
            {"patient": {"weight": {"value": -1, "unit": "kg"}}},
            "-1 is less than or equal to the minimum of 0",
        ),
        ({"pain": [{"score": 3, "date": "2026-13-01"}]}, "'2026-13-01' is not a 'date'"),
    ],
)
def test_schema_rejects_an_invalid_case(
    full_example_text: str, validator: Draft202012Validator, change: dict[str, Any], why: str
) -> None:
    data = {**json.loads(full_example_text), **change}

    messages = [error.message for error in _flatten(validator.iter_errors(data))]

    assert any(why in message for message in messages), messages


def test_committed_schema_copy_is_current() -> None:
    committed = json.loads(SCHEMA_COPY.read_text(encoding="utf-8"))

    assert committed == case_json_schema(), (
        f"docs/case.schema.json is stale; regenerate it with: {REGENERATE}"
    )
