"""The screener flags a mislabelled study's levels as ``kypho measure`` does (label_check).

Phantoms whose labels are wrong by construction: L1 and L2 swapped; L2 given L3's id
with L3 absent (a shifted label, no room for the missing name between L1 and "L3").
The screener's rows must say ``limited`` with the label check's reason on exactly the
levels ``kypho measure --format json`` flags, and leave the others alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import pytest

from kypho.cli import main
from kypho.screening.study import screen_study
from kypho.screening.types import Study
from phantoms import TOTAL_IDS, normal, spine

LEVELS = ("T12", "L1", "L2", "L3")
SWAPPED = TOTAL_IDS | {"L1": TOTAL_IDS["L2"], "L2": TOTAL_IDS["L1"]}
SHIFTED = {k: v for k, v in TOTAL_IDS.items() if k != "L2"} | {"L2": TOTAL_IDS["L3"]}


def _mask(tmp_path: Path, ids: dict[str, int], levels: tuple[str, ...]) -> Path:
    ph = spine([normal(lv) for lv in levels], label_ids=ids)
    path = tmp_path / "mask.nii.gz"
    nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(path))
    return path


def _measured(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    # The screener measures at TotalSegmentator's stations (measure_file's default).
    code = main(["measure", str(path), "--format", "json", "--stations", "ts-15-50-85"])
    out, _ = capsys.readouterr()
    assert code == 0, out
    return {lv["level"]: lv for lv in json.loads(out)["levels"]}


def _screened(path: Path) -> dict[str, dict[str, object]]:
    result = screen_study(Study(study_id="s", mask=path))
    assert not result.failed, result.failure
    return {str(r["level"]): r for r in result.rows}


def test_swapped_labels_are_limited_on_both_levels_with_the_label_check_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _mask(tmp_path, SWAPPED, LEVELS)
    rows, measured = _screened(path), _measured(path, capsys)
    for level in ("L1", "L2"):
        assert rows[level]["quality"] == "limited"
        assert "label check: L1 lies below L2" in str(rows[level]["quality_reasons"])
    for level in ("T12", "L3"):  # the neighbours are not touched
        assert rows[level]["quality"] == "good" and rows[level]["quality_reasons"] == ""
    for level, row in rows.items():
        assert row["quality"] == measured[level]["quality"]
        assert row["quality_reasons"] == "; ".join(measured[level]["quality_reasons"])


def test_a_shifted_label_is_flagged_where_kypho_measure_flags_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three bodies one disc apart named T12, L1, L3: no room for L2 between L1 and L3.
    path = _mask(tmp_path, SHIFTED, ("T12", "L1", "L2"))
    rows, measured = _screened(path), _measured(path, capsys)
    assert set(rows) == {"T12", "L1", "L3"}
    for level in ("L1", "L3"):
        assert rows[level]["quality"] == "limited"
        assert "no room for L2" in str(rows[level]["quality_reasons"])
    assert "label check" not in str(rows["T12"]["quality_reasons"])
    for level, row in rows.items():
        assert row["quality"] == measured[level]["quality"]
        assert row["quality_reasons"] == "; ".join(measured[level]["quality_reasons"])
