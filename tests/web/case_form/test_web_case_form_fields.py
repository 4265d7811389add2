"""The new-referral form has a labelled input of the right kind for every case-file field.

The fields are read here from the published JSON Schema of the case file (not from the
form's own tree), so a field added to the case model and missing from the form fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_form_helpers import FormReader

from kypho.casefile import case_json_schema

SCHEMA = case_json_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    if "anyOf" in node:
        not_null = [_resolve(o) for o in node["anyOf"] if o.get("type") != "null"]
        # a record that may also be written short (a level alone): the form shows the record
        records = [option for option in not_null if "properties" in option]
        assert len(not_null) == 1 or len(records) == 1, node
        return records[0] if records else not_null[0]
    return node


def leaves(node: dict[str, Any], path: str = "") -> dict[str, dict[str, Any]]:
    """JSON path of every leaf (a list of records as its first row) -> its schema."""
    node = _resolve(node)
    if node.get("type") == "object" or "properties" in node:
        found: dict[str, dict[str, Any]] = {}
        for key, child in node["properties"].items():
            found |= leaves(child, f"{path}.{key}" if path else key)
        return found
    if node.get("type") == "array" and "properties" in _resolve(node["items"]):
        return leaves(node["items"], f"{path}[0]")
    return {path: node}


LEAVES = leaves(SCHEMA)


@pytest.fixture
def new_form(coordinator) -> FormReader:
    answer = coordinator.get("/cases/new")
    assert answer.status_code == 200
    return FormReader(answer.text)


def test_the_schema_walk_finds_the_fields_it_should() -> None:
    # hand-picked paths of docs/case-format.md, one of each shape
    for path in (
        "case_id",
        "patient.weight.unit",
        "patient.risk_factors.smoker",
        "imaging[0].findings[0].height_loss_pct",
        "procedure.levels",
        "follow_up[0].complications",
        "suspicion_signs.midline_back_pain",
    ):
        assert path in LEAVES
    assert len(LEAVES) > 90


def test_every_leaf_of_the_case_schema_has_a_labelled_input(new_form: FormReader) -> None:
    missing = [path for path in LEAVES if path not in new_form.values]
    assert missing == []
    unlabelled = [path for path in LEAVES if not new_form.labelled(path)]
    assert unlabelled == []


def test_patient_details_have_labelled_inputs(new_form: FormReader) -> None:
    for name in ("person.name", "person.mrn", "person.birth_date", "referred_on"):
        assert new_form.labelled(name)
    assert new_form.types["person.birth_date"] == "date"


def test_input_kinds_follow_the_schema_types(new_form: FormReader) -> None:
    for path, schema in LEAVES.items():
        kind = new_form.types[path]
        if "const" in schema:  # one allowed value (schema_version): sent, not typed
            assert kind == "hidden" and new_form.values[path] == str(schema["const"]), path
        elif schema.get("type") == "boolean":
            assert kind == "select" and new_form.options[path] == ["", "true", "false"], path
            assert new_form.values[path] == "", f"{path}: a flag starts unknown"
        elif schema.get("format") == "date":
            assert kind == "date", path
        elif "enum" in schema:
            assert kind == "select" and set(schema["enum"]) <= set(new_form.options[path]), path
            assert new_form.values[path] == "", f"{path}: nothing chosen for the clinician"
        elif schema.get("type") in ("number", "integer"):
            assert kind == "number", path


def test_units_are_in_the_labels(coordinator) -> None:
    html = coordinator.get("/cases/new").text
    assert '<label for="f-patient-height-cm">Height (cm, 30 to 250)</label>' in html
    assert "Height loss (%, 0 to 100)" in html
    assert "Anterior height (mm, 0 to 100)" in html
    assert "Wedge angle (degrees, -90 to 90)" in html


def test_every_section_a_clinician_expects_is_a_fieldset_with_a_legend(
    coordinator,
) -> None:
    html = coordinator.get("/cases/new").text
    page = FormReader(html)
    assert page.fieldsets == page.legends
    for legend in (
        "Patient details",
        "Patient",
        "Fractures",
        "Imaging",
        "Pain and function",
        "Conservative care",
        "Contraindications",
        "Continuum of care",
        "Suspicion signs",
        "Procedure",
        "Follow-up visits",
        "Level findings",
    ):
        assert f"<legend>{legend}</legend>" in html, legend
    assert 'tabindex="-1"' not in html


def test_the_first_submit_button_saves(coordinator) -> None:
    # Enter in a text field presses the first submit button: it must save, not add rows.
    html = coordinator.get("/cases/new").text
    first = html.index('type="submit"', html.index('<form method="post" action="/cases/new"'))
    assert html[first : first + 40].startswith('type="submit" name="save"')


def test_more_rows_adds_blank_rows_and_keeps_what_was_typed(coordinator, person) -> None:
    typed = person | {"fractures[0].level": "T12", "more": "fractures"}
    answer = coordinator.post("/cases/new", data=typed)
    assert answer.status_code == 200
    page = FormReader(answer.text)
    assert page.values["fractures[0].level"] == "T12"
    assert page.values["person.name"] == "Ada Example"
    assert {"fractures[1].level", "fractures[2].level", "fractures[3].level"} <= set(page.values)
    assert "fractures[4].level" not in page.values


def test_a_read_only_user_gets_no_form(users) -> None:
    assert users.api("read_only").get("/cases/new").status_code == 403
    assert users.api("radiologist").get("/cases/new").status_code == 403
    assert users.api("physician").get("/cases/new").status_code == 200
