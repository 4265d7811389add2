"""The case oracle and kypho agree on a CT study's bone density (docs/case-format.md).

Written out by hand: only a CT carries one, at T12-L5, and a given flag must follow
mean_hu with both of Pickhardt 2013's cut-offs inclusive (clinical reference 6.1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fuzz import casefile
from kypho.casefile.parse import parse_case
from kypho.errors import InvalidInput

CASE = Path(__file__).parents[2] / "examples" / "cases" / "01-acute-l1-worsening-candidate.json"


def _with(density: dict[str, Any], modality: str = "ct") -> bytes:
    doc = json.loads(CASE.read_text("utf-8"))
    doc["imaging"].append({"modality": modality, "date": "2026-11-10",
                           "study_id": "CT-D", "bone_density": density})  # fmt: skip
    return json.dumps(doc).encode("utf-8")


def _kypho_accepts(data: bytes) -> bool:
    try:
        parse_case(data.decode("utf-8"), source="case.json")
    except InvalidInput:
        return False
    return True


@pytest.mark.parametrize(
    ("density", "modality", "valid"),
    [
        ({"level": "L1", "mean_hu": 104.0}, "ct", True),
        ({"level": "L1", "mean_hu": 104.0}, "mri", False),
        ({"level": "T11", "mean_hu": 104.0}, "ct", False),
        ({"level": "T12", "mean_hu": 104.0}, "ct", True),
        ({"level": "L5", "mean_hu": 104.0}, "ct", True),
        ({"level": "L1", "mean_hu": 110.0, "flag": "at_or_below_110_hu"}, "ct", True),
        ({"level": "L1", "mean_hu": 110.1, "flag": "at_or_below_110_hu"}, "ct", False),
        ({"level": "L1", "mean_hu": 110.1, "flag": "at_or_below_160_hu"}, "ct", True),
        ({"level": "L1", "mean_hu": 160.0, "flag": "at_or_below_160_hu"}, "ct", True),
        ({"level": "L1", "mean_hu": 160.1, "flag": "at_or_below_160_hu"}, "ct", False),
        ({"level": "L1", "mean_hu": 160.1, "flag": "above_160_hu"}, "ct", True),
        ({"level": "L1", "mean_hu": -300.1}, "ct", False),
        ({"level": "L1", "mean_hu": 1000.0}, "ct", True),
        ({"level": "L1", "mean_hu": 104.0, "voxel_count": 0}, "ct", False),
    ],
)
def test_the_oracle_and_kypho_agree(density: dict[str, Any], modality: str, valid: bool) -> None:
    data = _with(density, modality)
    assert casefile.judge(data)[0] is valid, casefile.judge(data)
    assert _kypho_accepts(data) is valid
