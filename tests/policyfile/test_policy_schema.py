"""The published schema: committed copy current, bundled files valid, closed sets in step."""

from __future__ import annotations

import json
import re
import tomllib
import typing
from pathlib import Path

import jsonschema
import pytest
from conftest import GOOD, TRIAGE

from kypho.policyfile import PolicyFile, load_policy_text, policy_json_schema
from kypho.policyfile.model import DecisionTextTable, KindName, OpName, RoleName
from kypho.policyfile.schema import schema_text
from kypho.rules import Decision, PolicyKind, Role
from kypho.rules.policy import OPS, POLICY_PACKAGE, policy_names, policy_to_dict

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_COPY = ROOT / "docs" / "policy.schema.json"
POLICIES = ROOT / "src" / "kypho" / "rules" / "policies"
GUIDE = ROOT / "docs" / "policies.md"
REGENERATE = (
    '.venv/bin/python -c "from kypho.policyfile.schema import schema_text; '
    "print(schema_text(), end='')\" > docs/policy.schema.json"
)
VALIDATOR = jsonschema.Draft202012Validator(policy_json_schema())


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA_COPY.read_text(encoding="utf-8") == schema_text(), (
        f"docs/policy.schema.json is stale; regenerate it with: {REGENERATE}"
    )


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_COPY.read_text()))


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.toml")), ids=lambda p: p.name)
def test_every_bundled_file_validates_against_the_schema(path: Path) -> None:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(raw)]
    assert errors == []
    PolicyFile.model_validate(raw)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (GOOD, True),
        (TRIAGE, True),
        (GOOD.replace('role = "exclude"', 'role = "forbid"'), False),
        (GOOD.replace('op = ">="', 'op = "=>"'), False),
        (GOOD.replace('cites = ["handbook 1"]', 'cites = ["handbook 1"]\ncite = "x"'), False),
        (GOOD.replace('version = "1"\n', ""), False),
        (GOOD.replace('op = "==", value = true', 'op = ">", value = true'), False),
        (GOOD.replace('op = ">="', 'op = "in"'), False),
        (GOOD.replace("value = 7", "value = [7]"), False),
        (GOOD.split("[[criterion]]")[0], False),
    ],
)
def test_the_independent_validator_agrees_on_shape(text: str, valid: bool) -> None:
    assert VALIDATOR.is_valid(tomllib.loads(text)) is valid


def test_the_closed_sets_are_the_engines() -> None:
    assert set(typing.get_args(RoleName)) == {r.value for r in Role}
    assert set(typing.get_args(KindName)) == {k.value for k in PolicyKind}
    assert typing.get_args(OpName) == OPS
    assert set(DecisionTextTable.model_fields) == {d.value for d in Decision}


@pytest.mark.parametrize("name", policy_names())
def test_the_cores_dict_form_passes_the_model(name: str) -> None:
    """What ``policy_to_dict`` writes, the model reads back to the same policy."""
    from kypho.policyfile import load_policy, validate_policy

    policy = load_policy(name)
    assert validate_policy(policy_to_dict(policy), source=name) == policy


def test_the_bundled_package_is_the_folder_tested() -> None:
    assert POLICY_PACKAGE == "kypho.rules.policies"
    assert sorted(p.stem.replace("_", "-") for p in POLICIES.glob("*.toml")) == list(policy_names())


def test_the_guides_example_policy_loads() -> None:
    """docs/policies.md holds one full ```toml example; it must stay a valid policy."""
    blocks = re.findall(r"```toml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/policies.md should hold exactly one ```toml example"
    policy = load_policy_text(blocks[0], source="docs/policies.md")
    assert policy.id == "example-clinic"
