"""Bad case files: one ``InvalidCaseFile`` naming file, field, expectation and value."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kypho.casefile import load_case, parse_case
from kypho.errors import InvalidCaseFile, InvalidInput

SOURCE = "case.json"


def refusal(data: object) -> InvalidCaseFile:
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(InvalidCaseFile) as caught:
        parse_case(text, source=SOURCE)
    assert caught.value.source == SOURCE
    assert str(caught.value).startswith(f"{SOURCE}: ")
    assert "Traceback" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("data", "field", "expected", "found"),
    [
        ({"fractures": []}, "case_id", "required field is missing", None),
        ({"case_id": 42}, "case_id", "expected text", "got 42"),
        ({"case_id": ""}, "case_id", "non-empty text", 'got ""'),
        (
            {"case_id": "c", "pain": [{"score": 1}, {"score": 2}, {"score": 11}]},
            "pain[2].score",
            "from 0 to 10",
            "got 11",
        ),
        (
            {"case_id": "c", "function": [{"instrument": "RDQ", "score": 30}]},
            "function[0].score",
            "a whole number from 0 to 24 for RDQ",
            "got 30",
        ),
        (
            {"case_id": "c", "function": [{"instrument": "RDQ", "score": 12.5}]},
            "function[0].score",
            "a whole number from 0 to 24",
            "got 12.5",
        ),
        (
            {"case_id": "c", "function": [{"instrument": "ODI", "score": 101}]},
            "function[0].score",
            "from 0 to 100 % for ODI",
            "got 101",
        ),
        (
            {"case_id": "c", "follow_up": [{"date": "2026-01-01", "rdq": 3.5}]},
            "follow_up[0].rdq",
            "a whole number from 0 to 24",
            "got 3.5",
        ),
        (
            {"case_id": "c", "patient": {"weight": {"value": -3, "unit": "kg"}}},
            "patient.weight.value",
            "a number > 0",
            "got -3",
        ),
        (
            {"case_id": "c", "patient": {"weight": {"value": 1000, "unit": "lb"}}},
            "patient.weight.value",
            "up to 882 lb",
            "got 1000",
        ),
        (
            {"case_id": "c", "patient": {"weight": {"value": 70, "unit": "stone"}}},
            "patient.weight.unit",
            "expected 'kg' or 'lb'",
            'got "stone"',
        ),
        (
            {"case_id": "c", "patient": {"weight": 70}},
            "patient.weight",
            '{"value": 120, "unit": "lb"}',
            "got 70",
        ),
        (
            {"case_id": "c", "fractures": [{"level": "T13"}]},
            "fractures[0].level",
            "one of C1-C7, T1-T12, L1-L5, S1",
            'got "T13"',
        ),
        (
            {"case_id": "c", "fractures": [{"level": "L1"}, {"level": "L7"}]},
            "fractures[1].level",
            "one of C1-C7, T1-T12, L1-L5, S1",
            'got "L7"',
        ),
        (
            {"case_id": "c", "pain": [{"score": 3, "date": "2026-13-01"}]},
            "pain[0].date",
            "YYYY-MM-DD",
            'got "2026-13-01"',
        ),
        (
            {"case_id": "c", "imaging": [{"modality": "ct", "date": "01/02/2026"}]},
            "imaging[0].date",
            "YYYY-MM-DD",
            'got "01/02/2026"',
        ),
        (
            {
                "case_id": "c",
                "conservative_care": [
                    {"modality": "bracing", "start_date": "2026-02-01", "end_date": "2026-01-15"}
                ],
            },
            "conservative_care[0].end_date",
            "on or after start_date 2026-02-01",
            'got "2026-01-15"',
        ),
        (
            {"case_id": "c", "fractures": [{"level": "T12"}, {"level": "L1"}, {"level": "T12"}]},
            "fractures[2].level",
            "one entry per level, but T12 is already fractures[0]",
            'got "T12"',
        ),
        (
            {"case_id": "c", "contraindications": {"myelopathy": "yes"}},
            "contraindications.myelopathy",
            "true or false",
            'got "yes"',
        ),
        ({"case_id": "c", "pain": [{"score": "7"}]}, "pain[0].score", "from 0 to 10", 'got "7"'),
        (
            {"case_id": "c", "patient": {"sex": "f"}},
            "patient.sex",
            "'female', 'male' or 'other'",
            'got "f"',
        ),
        (
            {"case_id": "c", "fractures": {"level": "L1"}},
            "fractures",
            "a list",
            'got {"level": "L1"}',
        ),
        ({"case_id": "c", "schema_version": 2}, "schema_version", "expected 1", "got 2"),
        (
            {
                "case_id": "c",
                "imaging": [
                    {"modality": "mri", "findings": [{"level": "L1", "reference_height_mm": 0}]}
                ],
            },
            "imaging[0].findings[0].reference_height_mm",
            "above 0 and up to 100 mm",
            "got 0",
        ),
        (
            {
                "case_id": "c",
                "imaging": [
                    {
                        "modality": "ct",
                        "findings": [
                            {
                                "level": "L1",
                                "height_loss_pct": 30,
                                "height_loss_min_pct": 31,
                                "height_loss_max_pct": 40,
                            }
                        ],
                    }
                ],
            },
            "imaging[0].findings[0].height_loss_pct",
            "expected a number from height_loss_min_pct (31) to height_loss_max_pct (40)",
            "got 30",
        ),
        (
            {
                "case_id": "c",
                "imaging": [
                    {
                        "modality": "ct",
                        "findings": [
                            {"level": "L1", "height_loss_pct": 30, "height_loss_min_pct": 20}
                        ],
                    }
                ],
            },
            "imaging[0].findings[0].height_loss_max_pct",
            "expected height_loss_pct with height_loss_min_pct and height_loss_max_pct",
            None,
        ),
    ],
)
def test_message_names_field_expectation_and_value(
    data: object, field: str, expected: str, found: str | None
) -> None:
    err = refusal(data)

    assert err.field == field
    assert f"{SOURCE}: {field}: " in str(err)
    assert expected in str(err)
    if found is not None:
        assert str(err).endswith(found), str(err)


def test_misspelt_field_is_named_with_a_suggestion() -> None:
    err = refusal({"case_id": "c", "fractrues": []})

    assert err.field == "fractrues"
    assert 'unknown field (did you mean "fractures"?)' in str(err)
    assert "case_id, patient, fractures" in str(err)


def test_misspelt_nested_field_lists_that_object_s_fields() -> None:
    err = refusal(
        {
            "case_id": "c",
            "imaging": [{"modality": "ct", "findings": [{"level": "L2", "odema": True}]}],
        }
    )

    assert err.field == "imaging[0].findings[0].odema"
    assert "expected one of: level, marrow_edema" in str(err)


def test_several_problems_report_the_first_and_count_the_rest() -> None:
    err = refusal(
        {"case_id": "c", "pain": [{"score": 11}, {"score": -1}], "fractures": [{"level": "T13"}]}
    )

    assert err.field == "fractures[0].level"
    assert str(err).endswith('got "T13" (2 more problems in this file)')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"case_id": "c",\n  "pain": [}', "case.json: not valid JSON at line 2, column 12"),
        ("", "case.json: not valid JSON at line 1, column 1"),
        ('{"case_id": "a", "case_id": "b"}', 'each key once per object, got "case_id" twice'),
        ('{"case_id": "a", "pain": [{"score": NaN}]}', "expected a finite number, got NaN"),
        ("[]", "expected a JSON object {...} at the top level, got list"),
        ('"case"', "expected a JSON object {...} at the top level, got str"),
    ],
)
def test_not_a_json_object(text: str, message: str) -> None:
    err = refusal(text)

    assert message in str(err)
    assert err.field == ""


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"

    with pytest.raises(
        InvalidCaseFile, match=r"nope\.json: cannot read the case file: No such file"
    ):
        load_case(path)


def test_directory_is_not_a_case_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidCaseFile, match="cannot read the case file: Is a directory"):
        load_case(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.json"
    path.write_text('{"case_id": "c"}', encoding="utf-8")
    path.chmod(0)

    with pytest.raises(
        InvalidCaseFile, match="locked.json: cannot read the case file: Permission denied"
    ):
        load_case(path)


def test_file_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"case_id": "Zoë"}'.encode("latin-1"))

    with pytest.raises(
        InvalidCaseFile, match=r"latin1\.json: expected UTF-8 text, got byte 0xeb at offset 15"
    ):
        load_case(path)


def test_load_case_error_carries_the_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"case_id": "c", "pain": [{"score": 11}]}', encoding="utf-8")

    with pytest.raises(InvalidCaseFile) as caught:
        load_case(path)

    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: pain[0].score: ")


def test_refusal_is_also_invalid_input_and_value_error() -> None:
    err = refusal({"case_id": 1})

    assert isinstance(err, InvalidInput) and isinstance(err, ValueError)


def test_deeply_nested_json_is_refused_without_a_traceback() -> None:
    err = refusal("[" * 100_000)

    assert "nested too deeply" in str(err)
