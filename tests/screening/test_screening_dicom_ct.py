"""A study's CT as a DICOM series folder: HU on the mask's grid, or the reason it is not.

Phantom series (``kypho_dicom_support.phantom_series``: LPS slices, rows and columns
flipped from the mask's RAS grid) whose labelled voxels are all one known HU, so the
trabecular mean is that number; a series one voxel off the mask's grid is refused with
the folder named and the morphometry kept. The shared TotalSegmentator example series
(its mask flipped row-wise, as dcm2niix writes it) gives the same per-level HU as
``kypho measure``'s DICOM path, which moves the labels onto the CT instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from kypho.screening.manifest import find_studies
from kypho.screening.study import screen_study
from kypho.screening.types import Study
from phantoms import TOTAL_IDS, normal, spine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop" / "dicom"))
from kypho_dicom_support import EXAMPLE_CT, EXAMPLE_SEG_NIFTI, phantom_series  # noqa: E402

LEVELS = ("T12", "L1", "L2", "L3")
# Either side of Pickhardt's 160 HU (clinical reference 6.1): the flag must follow.
HIGH_HU, LOW_HU = 165, 105


def _mask_and_series(root: Path, bone_hu: int, *, shift_voxels: int = 0) -> Path:
    ph = spine([normal(lv) for lv in LEVELS], spacing_mm=(1.5, 1.5, 1.5), label_ids=TOTAL_IDS)
    study = root / "study"
    study.mkdir()
    nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(study / "mask.nii.gz"))
    affine = ph.affine.copy()
    affine[2, 3] += shift_voxels * 1.5  # the series starts lower or higher than the mask
    phantom_series(ph.labels, affine, study / "ct", bone_hu=bone_hu)
    return study


@pytest.mark.parametrize(
    ("bone_hu", "flag"), [(HIGH_HU, "not low (> 160 HU)"), (LOW_HU, "low (<= 110 HU)")]
)
def test_a_dicom_series_folder_gives_the_known_hu(tmp_path: Path, bone_hu: int, flag: str) -> None:
    folder = _mask_and_series(tmp_path, bone_hu)
    (study,) = find_studies(tmp_path).studies  # the folder's ct/ is found as its CT
    assert study.ct == folder / "ct"
    result = screen_study(study)
    assert not result.failed, result.failure
    rows = {r["level"]: r for r in result.rows}
    assert set(rows) == set(LEVELS)
    for row in rows.values():
        assert row["trabecular_mean_hu"] == pytest.approx(bone_hu, abs=0.05)
        assert row["density_flag"] == flag
    assert rows["L1"]["density_screened_level"] == "L1"


def test_a_series_off_the_mask_grid_is_not_used_and_says_why(tmp_path: Path) -> None:
    folder = _mask_and_series(tmp_path, HIGH_HU, shift_voxels=1)
    result = screen_study(Study(study_id="s", mask=folder / "mask.nii.gz", ct=folder / "ct"))
    assert not result.failed  # the morphometry is kept
    assert {r["level"] for r in result.rows} == set(LEVELS)
    for row in result.rows:
        assert row["density_flag"] == "unknown" and row["trabecular_mean_hu"] is None
        reason = str(row["density_reason"])
        assert reason.startswith("CT not used: ") and str(folder / "ct") in reason
        assert "grid" in reason


def test_not_a_series_is_not_used_and_says_why(tmp_path: Path) -> None:
    folder = _mask_and_series(tmp_path, HIGH_HU)
    for path in (folder / "ct").iterdir():
        path.write_bytes(b"not DICOM" * 40)
    result = screen_study(Study(study_id="s", mask=folder / "mask.nii.gz", ct=folder / "ct"))
    assert not result.failed
    reason = str(result.rows[0]["density_reason"])
    assert "CT not used" in reason and "expected a DICOM file" in reason


def test_the_shared_example_series_matches_kypho_measure_dicom_path() -> None:
    if not EXAMPLE_CT.is_dir() or not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared example series absent: {EXAMPLE_CT}")
    from kypho.workflows.measure_dicom import measure_ct

    study = Study(study_id="example", mask=EXAMPLE_SEG_NIFTI, ct=EXAMPLE_CT)
    result = screen_study(study)
    assert not result.failed, result.failure
    measured = measure_ct(EXAMPLE_CT, EXAMPLE_SEG_NIFTI, density=True, stations="ts-15-50-85")
    expected = {d.structure: d for d in measured.densities}
    rows = {r["level"]: r for r in result.rows}
    assert set(rows) == set(expected) and rows  # the same levels, each with its HU
    for level, row in rows.items():
        assert row["trabecular_voxels"] == expected[level].voxel_count
        assert row["trabecular_mean_hu"] == pytest.approx(expected[level].mean_hu, abs=0.05)
    assert all(np.isfinite(float(r["trabecular_mean_hu"])) for r in rows.values())
