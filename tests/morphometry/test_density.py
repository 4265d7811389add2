"""Trabecular HU on phantoms with known attenuation inside and outside, counts by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kypho.morphometry.density import (
    PICKHARDT_SENSITIVE_MAX_HU,
    PICKHARDT_SPECIFIC_MAX_HU,
    DensityFlag,
    LevelDensity,
    level_density,
    screen_density,
    spine_density,
    trabecular_roi,
)
from phantoms import TOTAL_IDS, normal, spine

CORTEX_HU, MARROW_HU, OUTSIDE_HU = 1000.0, 100.0, -50.0


def box_ct(
    n: tuple[int, int, int], *, marrow_hu: float = MARROW_HU, shell_voxels: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """A box body filling the array but a 3-voxel margin; a dense shell, uniform marrow."""
    mask = np.zeros(tuple(k + 6 for k in n), dtype=bool)
    mask[3:-3, 3:-3, 3:-3] = True
    ct = np.full(mask.shape, OUTSIDE_HU, dtype=np.float32)
    ct[mask] = CORTEX_HU
    s = 3 + shell_voxels
    ct[s:-s, s:-s, s:-s] = marrow_hu
    return ct, mask


def test_roi_excludes_the_cortex_and_endplates_by_the_stated_mm() -> None:
    # 30 voxels of 1 mm: voxel i (0-29) of the body is min(i + 1, 30 - i) mm from the
    # nearest outside voxel; >= 5 mm keeps i = 4..25, 22 voxels a side.
    ct, mask = box_ct((30, 30, 30))
    d = level_density(ct, mask, structure="L1", spacing_mm=(1.0, 1.0, 1.0), erosion_mm=5.0)
    assert d.voxel_count == 22**3
    assert d.roi_volume_mm3 == pytest.approx(22**3)
    assert d.mean_hu == pytest.approx(MARROW_HU)
    assert d.median_hu == pytest.approx(MARROW_HU)
    assert d.usable


def test_roi_erosion_follows_anisotropic_spacing() -> None:
    # 12 slices of 2.5 mm along k: slice k is min(k + 1, 12 - k) * 2.5 mm from outside;
    # >= 5 mm keeps k = 1..10 (10 slices); i and j as above (22).
    mask = np.zeros((36, 36, 18), dtype=bool)
    mask[3:-3, 3:-3, 3:-3] = True
    roi = trabecular_roi(mask, spacing_mm=(1.0, 1.0, 2.5), erosion_mm=5.0)
    assert roi.sum() == 22 * 22 * 10
    assert roi[3 + 4, 3 + 4, 3 + 1] and not roi[3 + 3, 3 + 4, 3 + 1]
    assert not roi[3 + 4, 3 + 4, 3 + 0]


def test_without_erosion_the_cortex_raises_the_mean() -> None:
    ct, mask = box_ct((30, 30, 30))
    whole = level_density(ct, mask, structure="L1", spacing_mm=(1.0, 1.0, 1.0), erosion_mm=0.0)
    assert whole.voxel_count == 30**3
    assert whole.mean_hu is not None and whole.mean_hu > MARROW_HU + 100


@pytest.mark.parametrize(
    ("marrow_hu", "flag", "refer"),
    [
        (PICKHARDT_SPECIFIC_MAX_HU, DensityFlag.LOW_SPECIFIC, True),  # 110: inclusive
        (PICKHARDT_SPECIFIC_MAX_HU + 1, DensityFlag.LOW_SENSITIVE, True),
        (PICKHARDT_SENSITIVE_MAX_HU, DensityFlag.LOW_SENSITIVE, True),  # 160: inclusive
        (PICKHARDT_SENSITIVE_MAX_HU + 1, DensityFlag.NOT_LOW, False),
        (40.0, DensityFlag.LOW_SPECIFIC, True),
    ],
)
def test_pickhardt_thresholds_on_both_sides(
    marrow_hu: float, flag: DensityFlag, refer: bool
) -> None:
    ct, mask = box_ct((30, 30, 30), marrow_hu=marrow_hu)
    d = level_density(ct, mask, structure="L1", spacing_mm=(1.0, 1.0, 1.0))
    screen = screen_density([d])
    assert screen.structure == "L1"
    assert screen.flag is flag
    assert screen.refer_for_dxa is refer
    assert "not a diagnosis" in screen.reason


def test_a_small_roi_is_not_screened_and_says_why() -> None:
    # 12 mm thin body: nothing is 5 mm from both endplates at 1 mm spacing but k = 4..7.
    ct, mask = box_ct((30, 30, 12))
    d = level_density(ct, mask, structure="L1", spacing_mm=(1.0, 1.0, 1.0))
    assert d.voxel_count == 22 * 22 * 4  # 1936 mm3: usable
    thin = level_density(ct, mask, structure="L1", spacing_mm=(1.0, 1.0, 1.0), erosion_mm=7.0)
    assert thin.voxel_count == 0 and not thin.usable
    assert "below 500 mm3" in (thin.problem or "")
    assert screen_density([thin]).flag is DensityFlag.UNKNOWN


def test_stored_values_not_in_hu_are_refused() -> None:
    ct, mask = box_ct((30, 30, 30), marrow_hu=MARROW_HU + 1024)  # rescale intercept missing
    d = level_density(ct, mask, structure="L1", spacing_mm=(1.0, 1.0, 1.0))
    assert not d.usable and "rescaled to HU" in (d.problem or "")
    screen = screen_density([d])
    assert screen.flag is DensityFlag.UNKNOWN and screen.refer_for_dxa is None
    assert "L1: trabecular median 1124 HU" in screen.reason


def _density(name: str, mean_hu: float) -> LevelDensity:
    return LevelDensity(
        structure=name,
        mean_hu=mean_hu,
        median_hu=mean_hu,
        voxel_count=5000,
        roi_volume_mm3=5000.0,
        erosion_mm=5.0,
    )


def test_l1_first_then_the_nearest_level_named_with_the_reason() -> None:
    levels = [_density("T12", 200.0), _density("L1", 100.0), _density("L2", 150.0)]
    assert screen_density(levels).structure == "L1"
    fractured = screen_density(levels, excluded={"L1": "Genant grade 3"})
    assert fractured.structure == "L2"
    assert fractured.flag is DensityFlag.LOW_SENSITIVE
    assert "L1: Genant grade 3" in fractured.reason
    no_lumbar = screen_density([_density("T12", 200.0), _density("T11", 50.0)])
    assert no_lumbar.structure == "T12" and no_lumbar.flag is DensityFlag.NOT_LOW
    assert "L1: not in the mask" in no_lumbar.reason
    none = screen_density([_density("T11", 50.0)])
    assert none.flag is DensityFlag.UNKNOWN and none.structure is None


def test_spine_density_on_a_phantom_spine() -> None:
    ph = spine(
        [normal("T12"), normal("L1"), normal("L2")],
        spacing_mm=(1.0, 1.0, 1.5),
        label_ids=TOTAL_IDS,
    )
    hu = {"T12": 180.0, "L1": 95.0, "L2": 140.0}
    ct = np.full(ph.labels.shape, OUTSIDE_HU, dtype=np.float32)
    for name, value in hu.items():
        ct[ph.labels == TOTAL_IDS[name]] = value
    found = spine_density(ct, ph.labels, names=ph.names, spacing_mm=(1.0, 1.0, 1.5))
    assert [d.structure for d in found] == ["L2", "L1", "T12"]  # label order (27, 28, 32)
    for d in found:
        assert d.mean_hu == pytest.approx(hu[d.structure])
        assert d.usable
    assert screen_density(found).flag is DensityFlag.LOW_SPECIFIC


def test_shape_mismatch_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="CT shape"):
        spine_density(
            np.zeros((4, 4, 4)), np.zeros((4, 4, 5), np.uint8), names={}, spacing_mm=(1, 1, 1)
        )


TOTALSEG = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "totalsegmentator"


def test_real_ct_against_totalsegmentator_spine_report() -> None:
    """The shared example CT (3 mm) and its TotalSegmentator labels, L1 to L5.

    TotalSegmentator's report (``vertebrae_<L>_intensity_median``) reads a shallower ROI
    of the body; ours keeps voxels >= 5 mm (two 3 mm voxels) from the surface, so less
    cortex enters it and every median is lower, by 6 to 12 HU here (L1 101 vs 110 HU).
    """
    ct_path = TOTALSEG / "example_ct.nii.gz"
    seg_path = TOTALSEG / "spine_report" / "example_ct_report" / "totalseg.nii.gz"
    if not ct_path.is_file() or not seg_path.is_file():
        pytest.skip(f"shared TotalSegmentator example not found at {TOTALSEG}")
    import nibabel as nib

    from kypho.imaging.layouts import TOTAL_IDS as TOTAL_NAMES

    ct, seg = nib.load(ct_path), nib.load(seg_path)
    assert np.allclose(ct.affine, seg.affine)
    report = json.loads((seg_path.parent / "spine_report.json").read_text())["results"]
    found = spine_density(
        np.asarray(ct.dataobj, dtype=np.float32),
        np.asarray(seg.dataobj).astype(np.uint8),
        names=TOTAL_NAMES,
        spacing_mm=(3.0, 3.0, 3.0),
    )
    ours = {d.structure: d for d in found}
    for level in ("L1", "L2", "L3", "L4", "L5"):
        theirs = report[f"vertebrae_{level}_intensity_median"]
        median = ours[level].median_hu
        assert median is not None and ours[level].usable
        assert 0.0 <= theirs - median <= 15.0, (level, median, theirs)
    screen = screen_density(found)
    assert screen.structure == "L1" and screen.flag is DensityFlag.LOW_SENSITIVE
