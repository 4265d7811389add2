"""Tables, JSON, comparisons and case findings from measured levels with known values."""

from __future__ import annotations

from datetime import date

import numpy as np

from kypho.domain.levels import Level
from kypho.morphometry.body import measure_vertebra
from kypho.morphometry.cobb import regional_kyphosis
from kypho.morphometry.compare import compare_studies
from kypho.morphometry.report import change_dict, level_dict, spine_table
from kypho.morphometry.spine import grade_spine
from kypho.morphometry.to_case import study_from_measurement
from kypho.morphometry.types import (
    Issue,
    LevelMeasurement,
    Quality,
    SixPoints,
    SpineMeasurement,
    VertebraMeasurement,
)
from kypho.morphometry.voxels import VertebraVoxels, VolumeGeometry, vertebra_voxels


def _box(a: float, p: float, *, depth_mm: float = 30.0) -> SixPoints:
    """Six points in a sagittal plane (x = 0): anterior at y = depth/2, flat inferior endplate."""
    y = depth_mm / 2
    return SixPoints(
        superior_anterior_mm=(0.0, y, a),
        superior_middle_mm=(0.0, 0.0, (a + p) / 2),
        superior_posterior_mm=(0.0, -y, p),
        inferior_anterior_mm=(0.0, y, 0.0),
        inferior_middle_mm=(0.0, 0.0, 0.0),
        inferior_posterior_mm=(0.0, -y, 0.0),
    )


def _level(name: str, a: float, m: float, p: float, **kw: object) -> VertebraMeasurement:
    return VertebraMeasurement(
        structure=name, anterior_height_mm=a, middle_height_mm=m, posterior_height_mm=p, **kw
    )


def _rows(table: str) -> dict[str, list[str]]:
    lines = table.splitlines()
    return {line.split()[0]: line.split() for line in lines[1:-2]}


def test_table_names_each_levels_reference_and_shows_the_wedge_doubt() -> None:
    spine = grade_spine(
        [
            _level("C2", 20.0, 20.0, 20.0),
            _level("T12", 26.0, 26.0, 26.0, wedge_angle_deg=1.0, wedge_angle_doubt_deg=7.5),
            _level("L1", 26.0, 26.0, 26.0),
        ],
        method="landmarks",
    )
    rows = _rows(spine_table(spine))
    # columns: level Ha Hm Hp loss grade type ref wedge(+-doubt) vol quality
    assert rows["T12"][7:10] == ["L1", "1.0", "+-8"]
    assert rows["L1"][7] == "T12"
    # C2 is not graded, and T12 is its only neighbour but C2 itself has no reference.
    assert rows["C2"][4:8] == ["-", "-", "-", "-"]
    assert "not graded: Genant grading covers C3-L6" in " ".join(rows["C2"])


def test_a_lone_level_shows_own_hp_and_its_grade_range_in_text_and_json() -> None:
    (lv,) = grade_spine([_level("L1", 20.0, 22.0, 26.0)], method="landmarks").levels
    row = _rows(spine_table(SpineMeasurement(levels=(lv,), method="landmarks")))["L1"]
    # By hand: 1 - 20/26 = 23.1 %, grade 1; range to 100 % and grade 3 (crush unseen).
    assert row[4:10] == ["23.1", "(23-100)", "1", "(1-3)", "wedge", "own-Hp"]
    doc = level_dict(lv)
    assert doc["reference_method"] == "own posterior height"
    assert doc["reference_from"] == "own posterior height (no intact neighbour in view)"
    assert (doc["height_loss_range_pct"], doc["genant_grade_range"]) == ([23.1, 100.0], [1, 3])
    assert doc["quality"] == "limited"


def test_cobb_from_six_points_where_no_endplate_planes_exist() -> None:
    # By hand: the superior endplate rises 4 mm over 30 mm towards the back (a 7.6 deg
    # tilt), the inferior endplate is flat: 7.6 deg of kyphosis... measured from the
    # superior endplate of the upper level to the inferior endplate of the lower one.
    upper = _level("T12", 22.0, 24.0, 26.0, points=_box(22.0, 26.0))
    lower = _level("L1", 26.0, 26.0, 26.0, points=_box(26.0, 26.0))
    cobb = regional_kyphosis(upper, lower)
    assert cobb is not None and cobb.source == "six points" and cobb.doubt_deg is None
    assert round(cobb.angle_deg, 1) == 7.6
    assert regional_kyphosis(_level("T12", 1.0, 1.0, 1.0), lower) is None


def test_a_poor_level_cannot_show_progression_and_reaches_the_case_as_unknown() -> None:
    poor = VertebraMeasurement(
        structure="L1", issues=(Issue(quality=Quality.POOR, reason="body cut by the image edge"),)
    )
    earlier = SpineMeasurement(levels=(LevelMeasurement(vertebra=poor),), method="m")
    later = grade_spine([_level("L1", 20.0, 22.0, 26.0)], method="m")
    (change,) = compare_studies(earlier=earlier, later=later)
    assert change.progression is None
    assert change_dict(change)["reason"] == "a study's measurement of this level is poor or missing"
    assert change_dict(change)["anterior_change_mm"] is None
    (finding,) = study_from_measurement(earlier, study_date=date(2026, 11, 1)).findings
    assert finding.level is Level.L1 and finding.height_loss_pct is None
    assert "not measurable: body cut by the image edge" in (finding.source or "")


def test_transitional_levels_stay_out_of_the_case() -> None:
    spine = grade_spine([_level("T13", 26.0, 26.0, 26.0)], method="m")
    assert study_from_measurement(spine, study_date=date(2026, 11, 1)).findings == ()


def test_tiny_or_flat_masks_are_poor_with_a_reason() -> None:
    geometry = VolumeGeometry(affine=np.eye(4), shape=(20, 20, 20))
    few = VertebraVoxels(structure="L1", indices=np.array([[5, 5, 5], [5, 5, 6]]))
    assert [i.reason for i in measure_vertebra(few, geometry).issues] == ["too few voxels: 2"]
    # A one-voxel-thick plate: no endplate pair to read heights between.
    plate = np.stack(np.meshgrid(range(3, 15), range(3, 15), [8], indexing="ij"), -1)
    flat = VertebraVoxels(structure="L1", indices=plate.reshape(-1, 3), body_only=True)
    result = measure_vertebra(flat, geometry)
    assert result.quality is Quality.POOR and result.heights_mm is None


def test_wide_integer_labels_are_found() -> None:
    labels = np.zeros((6, 6, 6), dtype=np.int32)
    labels[1:3, 1:3, 1:3] = 70000  # above MAX_LABEL: neither present nor kept
    labels[3:5, 3:5, 3:5] = 31
    (found,) = vertebra_voxels(labels, {31: "L1", 70000: "L9"})
    assert found.structure == "L1" and len(found.indices) == 8
