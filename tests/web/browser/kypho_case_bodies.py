"""Request bodies of the case API built from the real example case files.

``examples/cases/*.json`` are the project's documented cases; a body copies one with a
new ``case_id`` and a made-up patient (no real person), in the shape the cases API
contract fixes: ``{"patient": {"mrn", "name", "birth_date"}, "case": ..., "referred_on"}``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
NEW_REFERRAL = "05-new-referral-radiograph-only"  # radiograph only: needs information


@cache
def _example(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{stem}.json").read_text())
    return data


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.json"))


def example_case(stem: str = NEW_REFERRAL, *, case_id: str | None = None) -> dict[str, Any]:
    """The case file JSON of example ``stem`` (a deep copy), with ``case_id`` if given."""
    case = copy.deepcopy(_example(stem))
    if case_id is not None:
        case["case_id"] = case_id
    return case


def case_body(
    number: int,
    *,
    stem: str = NEW_REFERRAL,
    prefix: str = "T",
    name: str | None = None,
    mrn: str | None = None,
    birth_date: str | None = "1947-03-14",
) -> dict[str, Any]:
    """A POST /api/cases body: example ``stem`` as case ``{prefix}-{number:06d}``."""
    case_id = f"{prefix}-{number:06d}"
    return {
        "patient": {
            "mrn": mrn or f"MRN{prefix}{number:07d}",
            "name": name or f"Testpatient {prefix} {number}",
            "birth_date": birth_date,
        },
        "case": example_case(stem, case_id=case_id),
        "referred_on": "2026-11-12",
    }
