"""Case files: chronology, version, size and number limits, JSON refusals in plain words."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kypho.casefile import load_case, parse_case
from kypho.casefile.messages import from_validation_error
from kypho.casefile.parse import MAX_CASE_FILE_BYTES
from kypho.casefile.schema import CaseModel
from kypho.config import Settings
from kypho.errors import InvalidCaseFile

SOURCE = "case.json"


def refusal(text: str) -> InvalidCaseFile:
    with pytest.raises(InvalidCaseFile) as caught:
        parse_case(text, source=SOURCE)
    assert str(caught.value).startswith(f"{SOURCE}: ")
    return caught.value


def case_text(**fields: Any) -> str:
    return json.dumps({"case_id": "c", **fields})


def test_male_and_pregnant_is_refused_at_patient_pregnant() -> None:
    err = refusal(case_text(patient={"sex": "male", "pregnant": True}))
    assert err.field == "patient.pregnant"
    assert str(err) == (
        "case.json: patient.pregnant: expected false or left out when patient.sex is male, got true"
    )


@pytest.mark.parametrize(
    "patient", [{"sex": "male", "pregnant": False}, {"sex": "male"}, {"sex": "female",
                "pregnant": True}, {"sex": "other", "pregnant": True}, {"pregnant": True}]
)  # fmt: skip
def test_pregnancy_accepted_where_possible(patient: dict[str, Any]) -> None:
    assert parse_case(case_text(patient=patient)).patient.pregnant == patient.get("pregnant")


def test_follow_up_before_or_on_the_procedure_date_is_refused() -> None:
    visits = [{"date": "2026-03-11"}, {"date": "2026-03-10"}]
    err = refusal(case_text(procedure={"date": "2026-03-10"}, follow_up=visits))
    assert err.field == "follow_up[1].date"
    assert "expected a date after the procedure date (procedure.date) 2026-03-10" in str(err)
    ok = parse_case(case_text(procedure={"date": "2026-03-10"}, follow_up=visits[:1]))
    assert ok.follow_up is not None


def test_a_date_after_on_names_the_file_it_came_from(tmp_path: Path) -> None:
    path = tmp_path / "late.json"
    path.write_text(case_text(follow_up=[{"date": "2026-11-22"}]), encoding="utf-8")
    case = load_case(path)
    assert case.source == str(path)
    case.check_not_after(date(2026, 11, 22))
    with pytest.raises(InvalidCaseFile) as caught:
        case.check_not_after(date(2026, 11, 21))
    assert str(caught.value).startswith(f"{path}: follow_up[0].date: expected a date on or")
    assert caught.value.source == str(path)


@pytest.mark.parametrize("version", [2, 0, True, "1", None, 1.5])
def test_schema_version_other_than_1_is_refused(version: object) -> None:
    err = refusal(case_text(schema_version=version))
    assert err.field == "schema_version"
    assert "schema_version: expected 1, the only case-file version this kypho reads, got" in (
        str(err)
    )


@pytest.mark.parametrize("version", ["1", "1.0"])
def test_schema_version_1_is_read(version: str) -> None:
    assert parse_case(f'{{"schema_version": {version}, "case_id": "c"}}').case_id == "c"


def test_size_limit_on_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    text = case_text()
    path.write_text(text, encoding="utf-8")
    size = len(text.encode())
    assert load_case(path, max_bytes=size).case_id == "c"
    with pytest.raises(InvalidCaseFile) as caught:
        load_case(path, max_bytes=size - 1)
    assert str(caught.value) == (
        f"{path}: expected a case file of at most {size - 1} bytes, got {size} bytes; "
        "the limit is the setting KYPHO_MAX_CASE_FILE_BYTES"
    )


def test_default_size_limit_is_the_settings_default() -> None:
    assert Settings.model_fields["max_case_file_bytes"].default == MAX_CASE_FILE_BYTES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"case_id": "c",}', "line 1, column 17: expected a field name in double quotes"),
        ('{"case_id" "c"}', "line 1, column 12: expected a colon after the field name"),
        ('{"case_id": "c" "x": 1}', "line 1, column 17: expected a comma between two items"),
        ('{"case_id": }', "line 1, column 13: expected a value"),
        ('{"case_id": "c', "line 1, column 13: expected a closing double quote"),
        ('{"case_id": "a\tb"}', "line 1, column 15: expected no line break or tab"),
        ('{"case_id": "\\q"}', "line 1, column 14: expected a JSON escape after the backslash"),
        ('{"case_id": "\\u12"}', "line 1, column 15: expected four hex digits after \\u"),
        ('{"case_id": "c"} {}', "line 1, column 18: expected the end of the file"),
    ],
)
def test_json_errors_say_line_column_and_what_was_expected(text: str, message: str) -> None:
    err = str(refusal(text))
    assert err.startswith(f"case.json: not valid JSON at {message}")
    assert "Expecting" not in err and "delimiter" not in err


@pytest.mark.parametrize(
    ("text", "field"),
    [('{"case_id": "\\ud800"}', "case_id"), ('{"case_id": "c", "pain": [{"\\udc00": 1}]}',
                                              "pain[0]")],
)  # fmt: skip
def test_lone_surrogates_are_refused_in_plain_words(text: str, field: str) -> None:
    err = refusal(text)
    assert err.field == field
    assert "lone surrogate escape (\\ud800-\\udfff) that is not one" in str(err)
    assert "hex escape" not in str(err)


def test_the_json_readers_own_refusal_keeps_only_the_place() -> None:
    with pytest.raises(ValidationError) as caught:
        CaseModel.model_validate_json('{"case_id": "\\ud800"}')
    err = from_validation_error(caught.value, source=SOURCE)
    assert str(err) == "case.json: not valid JSON at line 1, column 20"
    with pytest.raises(ValidationError) as caught:
        CaseModel.model_validate_json("")
    assert str(from_validation_error(caught.value, source=SOURCE)).startswith(
        "case.json: not valid JSON"
    )


@pytest.mark.parametrize(
    ("patient", "message"),
    [
        ('{"age_years": 1' + "0" * 399 + "}",
         "patient.age_years: expected a whole number from 0 to 130, got a 400-digit number"),
        ('{"height_cm": -1' + "0" * 399 + "}",
         "patient.height_cm: expected a number from 30 to 250 cm, got a 400-digit number"),
        ('{"weight": {"value": 1' + "0" * 399 + ', "unit": "kg"}}',
         "patient.weight.value: expected a number, got a 400-digit number"),
    ],
)  # fmt: skip
def test_huge_numbers_give_a_field_message(patient: str, message: str) -> None:
    err = refusal(f'{{"case_id": "c", "patient": {patient}}}')
    assert str(err) == f"case.json: {message}"
    assert err.field == message.split(":")[0]


def test_numbers_too_long_to_read_are_refused_as_json() -> None:
    at_limit = refusal(case_text(patient={"age_years": 10**999}))  # 1000 digits: read, refused
    assert at_limit.field == "patient.age_years"
    err = refusal('{"case_id": "c", "patient": {"age_years": 1' + "0" * 1000 + "}}")
    assert str(err) == (
        "case.json: not valid JSON: expected a number of at most 1000 digits, "
        "got one of 1001 digits"
    )


@pytest.mark.parametrize(
    ("day", "ok"), [("1899-12-31", False), ("1900-01-01", True), ("2199-12-31", True),
                    ("2200-01-01", False), ("9999-12-31", False)]
)  # fmt: skip
def test_dates_out_of_range_give_a_field_message(day: str, ok: bool) -> None:
    text = case_text(fractures=[{"level": "L1", "symptom_onset_date": day}])
    if ok:
        assert parse_case(text).fractures is not None
    else:
        err = refusal(text)
        assert err.field == "fractures[0].symptom_onset_date"
        assert "expected a date from 1900-01-01 to 2199-12-31" in str(err)


@pytest.mark.parametrize(
    ("patient", "valid"),
    [({"sex": "male", "pregnant": True}, False), ({"sex": "male", "pregnant": False}, True),
     ({"sex": "female", "pregnant": True}, True), ({"pregnant": True}, True)],
)  # fmt: skip
def test_published_schema_refuses_male_and_pregnant(patient: dict[str, Any], valid: bool) -> None:
    from jsonschema import Draft202012Validator

    from kypho.casefile import case_json_schema

    validator = Draft202012Validator(case_json_schema())
    assert validator.is_valid({"case_id": "c", "patient": patient}) is valid


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero (POSIX)")
def test_a_file_that_reads_longer_than_its_size_is_cut_off() -> None:
    # /dev/zero reports size 0 and never ends: the read itself stops at the limit.
    with pytest.raises(InvalidCaseFile, match=r"^/dev/zero: expected a case file of at most 10 "):
        load_case(Path("/dev/zero"), max_bytes=10)
