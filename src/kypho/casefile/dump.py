"""Write a case file: a domain ``Case`` out as stable, pretty JSON; and the schema."""

from __future__ import annotations

import json
from typing import Any

from kypho.casefile.convert import model_from_case
from kypho.casefile.schema import CaseModel
from kypho.domain import Case

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


_EXACT_INT_LIMIT = 2**53  # floats beyond this are not all whole numbers in JSON readers


def _tidy(value: Any) -> Any:
    """Drop objects left empty (all unknown), keep empty lists ("recorded: none"),
    and write whole floats as integers (``8``, not ``8.0``)."""
    if isinstance(value, dict):
        tidied = {key: _tidy(item) for key, item in value.items()}
        return {key: item for key, item in tidied.items() if item != {}}
    if isinstance(value, list):
        return [_tidy(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_INT_LIMIT:
        return int(value)
    return value


def case_to_dict(case: Case) -> dict[str, Any]:
    """The case as JSON-ready data: unknowns left out, dates ISO, weight in kg."""
    data = model_from_case(case).model_dump(mode="json", exclude_none=True)
    tidied: dict[str, Any] = _tidy(data)
    return tidied


def dump_case(case: Case) -> str:
    """The case file text: indented JSON, keys in schema order, ending in a newline."""
    return json.dumps(case_to_dict(case), indent=2, ensure_ascii=False) + "\n"


def case_json_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of the case file."""
    return {"$schema": JSON_SCHEMA_DIALECT, **CaseModel.model_json_schema()}
