"""A criterion listed twice in a score or a combined test is refused, and the schema says so.

Found by the long fuzz profile (2026-12-02, policy target, seed 0): a triage score listing
"sign-rest" twice was refused by kypho (it would count one sign twice) while the published
schema allowed it, so the schema and the loader disagreed. Both now refuse it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from kypho.policyfile import InvalidPolicyFile, load_policy_text

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "src" / "kypho" / "rules" / "policies"
SCHEMA = json.loads((ROOT / "docs" / "policy.schema.json").read_text("utf-8"))
# The triage score of the bundled VCF suspicion policy, with its first sign listed twice.
SCORE_OF = 'of = ["sign-mobility", '


def _triage_copy() -> str:
    """The bundled triage policy under its own id (a user policy may not shadow it)."""
    text = (POLICIES / "vcf_suspicion.toml").read_text("utf-8")
    assert SCORE_OF in text and 'id = "vcf-suspicion"' in text, "update this test"
    return text.replace('id = "vcf-suspicion"', 'id = "triage-copy"', 1)


def _triage_with_a_repeat() -> str:
    return _triage_copy().replace(SCORE_OF, 'of = ["sign-mobility", "sign-mobility", ', 1)


def test_the_bundled_triage_policy_is_valid_as_shipped() -> None:
    text = _triage_copy()
    jsonschema.validate(tomllib.loads(text), SCHEMA)
    load_policy_text(text, source="vcf_suspicion.toml")


def test_a_repeated_score_sign_is_refused_by_the_schema_and_the_loader() -> None:
    text = _triage_with_a_repeat()
    with pytest.raises(jsonschema.ValidationError, match="non-unique elements"):
        jsonschema.validate(tomllib.loads(text), SCHEMA)
    with pytest.raises(InvalidPolicyFile) as caught:
        load_policy_text(text, source="triage.toml")
    message = str(caught.value)
    assert "triage.toml" in message and "score.of[1]" in message
    assert 'expected each criterion listed once, got "sign-mobility" a second time' in message


@pytest.mark.parametrize("key", ["all_of", "any_of", "of"])
def test_every_list_of_criteria_is_unique_in_the_schema(key: str) -> None:
    lists = [d["properties"][key] for d in SCHEMA["$defs"].values()
             if key in d.get("properties", {})]  # fmt: skip
    assert lists and all(found.get("uniqueItems") is True for found in lists)
