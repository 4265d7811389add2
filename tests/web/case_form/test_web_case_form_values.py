"""Form values <-> case file JSON: the conversion both ways, on the example case files."""

from __future__ import annotations

import pytest
from case_form_helpers import EXAMPLES, example

from kypho.web.forms.check import check_form
from kypho.web.forms.values import case_data, form_values
from kypho.web.forms.view import field_label

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_case_survives_the_form_both_ways(path) -> None:
    data = example(path)
    values = form_values(data)
    assert case_data(values).data == data
    assert check_form(values).errors == {}


def test_values_of_example_01_read_as_typed() -> None:
    values = form_values(example())
    # hand-written from examples/cases/01-acute-l1-worsening-candidate.json
    assert values["case_id"] == "EX-01"
    assert values["patient.weight.value"] == "54"
    assert values["patient.weight.unit"] == "kg"
    assert values["patient.risk_factors.smoker"] == "false"
    assert values["patient.risk_factors.prior_fragility_fracture"] == "true"
    assert "patient.risk_factors.parental_hip_fracture" not in values  # unknown stays unknown
    assert values["fractures[0].level"] == "L1"
    assert values["imaging[0].findings[0].height_loss_pct"] == "30"
    assert values["pain[1].date"] == "2026-11-19"
    assert values["conservative_care[1].modality"] == "bracing"
    assert values["procedure.levels"] == "L1"


def test_empty_inputs_are_absent_and_unknown_flags_stay_out() -> None:
    values = {
        "schema_version": "1",
        "case_id": "X-1",
        "patient.sex": "",
        "patient.smoker": "",
        "patient.risk_factors.smoker": "",
        "fractures[0].level": "",
        "fractures[0].etiology": "",
        "contraindications.discitis": "false",
    }
    assert case_data(values).data == {
        "schema_version": 1,
        "case_id": "X-1",
        "contraindications": {"discitis": False},
    }


def test_none_recorded_is_an_empty_list_and_unknown_is_absent() -> None:
    values = {
        "case_id": "X-1",
        "conservative_care:none": "on",
        "follow_up[0].date": "2026-03-16",
        "follow_up[0].complications": "none",
        "follow_up[0].new_fractures": "none",
    }
    data = case_data(values).data
    assert data["conservative_care"] == []
    assert "fractures" not in data
    assert data["follow_up"] == [{"date": "2026-03-16", "new_fractures": [], "complications": []}]


def test_rows_and_none_recorded_together_are_refused_beside_the_list() -> None:
    values = {"case_id": "X-1", "fractures:none": "on", "fractures[0].level": "L1"}
    checked = check_form(values)
    assert "not both" in checked.errors["fractures"]
    assert checked.case is None


def test_levels_and_lines_split_as_typed() -> None:
    values = {
        "case_id": "X-1",
        "procedure.levels": "t12, L1  L2",
        "follow_up[0].date": "2026-03-16",
        "follow_up[0].complications": "cement leak\n\n  back pain  ",
    }
    data = case_data(values).data
    assert data["procedure"] == {"levels": ["T12", "L1", "L2"]}
    assert data["follow_up"][0]["complications"] == ["cement leak", "back pain"]


def test_a_message_sits_beside_the_row_it_was_typed_in_after_empty_rows() -> None:
    # rows 0 and 1 left empty: the third row is the case file's first; its message is row 2's
    values = {
        "case_id": "X-1",
        "pain[0].score": "",
        "pain[1].score": "",
        "pain[2].score": "11",
        "imaging[1].modality": "mri",
        "imaging[1].findings[3].level": "L9",
    }
    checked = check_form(values)
    assert checked.errors == {
        "pain[2].score": "expected a number from 0 to 10, got 11",
        "imaging[1].findings[3].level": (
            'expected a vertebral level, one of C1-C7, T1-T12, L1-L5, S1, got "L9"'
        ),
    }


def test_numbers_that_are_not_numbers_are_refused_not_guessed() -> None:
    for typed in ("seven", "nan", "inf", "1e999", "7,5", "--1"):
        checked = check_form({"case_id": "X-1", "patient.height_cm": typed})
        assert "patient.height_cm" in checked.errors, typed
    checked = check_form({"case_id": "X-1", "patient.height_cm": "157.5"})
    assert checked.errors == {}
    assert checked.parsed.data["patient"] == {"height_cm": 157.5}


def test_every_error_is_reported_at_once() -> None:
    values = form_values(example()) | {
        "pain[0].score": "11",
        "fractures[0].level": "L9",
        "imaging[0].date": "2026-02-30",
        "patient.asa_class": "7",
    }
    errors = check_form(values).errors
    assert set(errors) == {
        "pain[0].score",
        "fractures[0].level",
        "imaging[0].date",
        "patient.asa_class",
    }
    assert errors["imaging[0].date"] == (
        'expected a real calendar date written YYYY-MM-DD, got "2026-02-30"'
    )
    assert errors["patient.asa_class"] == "expected a whole number from 1 to 6, got 7"


def test_a_field_is_named_in_the_forms_words() -> None:
    values = {"imaging[0].modality": "mri", "imaging[0].findings[0].level": "L1"}
    assert field_label(values, "imaging[0].findings[0].height_loss_pct") == (
        "Study 1 › Finding 1 › Height loss (%, 0 to 100)"
    )
    assert field_label({}, "patient.weight.unit") == "Patient › Weight › Unit"
    assert field_label({}, "fractures") == "Fractures"
