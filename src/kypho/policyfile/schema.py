"""The published JSON Schema of a policy file (``docs/policy.schema.json``).

Regenerate the committed copy with::

    .venv/bin/python -c "from kypho.policyfile.schema import schema_text; \\
        print(schema_text(), end='')" > docs/policy.schema.json

The schema states the file's shape and which operators and values fit each kind of
fact; the checks across criteria (references, cycles, roles, bands, a criterion that
decides) and the ranges of units are the model's only (``kypho.policyfile.checks``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from kypho.policyfile.model import PolicyFile

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _TomlJsonSchema(GenerateJsonSchema):
    """TOML has no null: an optional key is one that may be left out, never ``null``."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that policy files (as parsed TOML) follow."""
    generated = PolicyFile.model_json_schema(schema_generator=_TomlJsonSchema)
    return {"$schema": JSON_SCHEMA_DIALECT, **generated}


def schema_text() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n"
