"""The labelling checked against anatomy: swapped, shifted, missing and duplicate labels."""

from __future__ import annotations

import dataclasses

import pytest

from kypho.morphometry.label_check import check_labels
from kypho.morphometry.levels import measure_levels
from kypho.morphometry.types import Quality, Stations
from kypho.morphometry.voxels import VolumeGeometry, vertebra_voxels
from kypho.workflows.measure import measure_labels
from phantoms import TOTAL_IDS, crush, normal, spine, wall_wedge

NAMES = ("T11", "T12", "L1", "L2", "L3")


@pytest.fixture(scope="module")
def phantom():
    # Bodies widen caudally as in life (depth and width + 3 % a level); L1 crushed, to
    # show that a fracture alone does not look like a label problem.
    specs = [
        normal(n, 25.0 + k, depth_mm=32.0 * 1.03**k, width_mm=44.0 * 1.03**k)
        for k, n in enumerate(NAMES)
    ]
    specs[2] = crush("L1", height_mm=15.0)
    return spine(specs, spacing_mm=(1.5, 1.5, 1.5))


def _checked(phantom, rename: dict[str, str | None]):
    """Measure with each vertebra given the name in ``rename`` (None: no label)."""
    geometry = VolumeGeometry(affine=phantom.affine, shape=phantom.labels.shape)
    pairs = []
    for v in vertebra_voxels(phantom.labels, phantom.names):
        name = rename.get(v.structure, v.structure)
        if name is not None:
            pairs.append((dataclasses.replace(v, structure=name), geometry))
    measured = measure_levels(
        pairs, layout="test", stations=Stations.WALLS, max_slice_thickness_mm=3.0
    )
    return check_labels(measured)


def _flags(spine) -> dict[str, list[str]]:
    return {
        lv.structure: [i.reason for i in lv.issues if i.reason.startswith("label check")]
        for lv in spine.levels
    }


def test_a_normal_spine_with_a_fracture_raises_no_flag(phantom) -> None:
    checked = _checked(phantom, {})
    assert all(not reasons for reasons in _flags(checked).values())
    assert checked.label_notes == ()
    assert checked.get("L1").genant_grade == 3  # the crush is still seen


def test_a_swapped_pair_is_flagged_on_both_levels_and_limited(phantom) -> None:
    checked = _checked(phantom, {"L2": "L3", "L3": "L2"})
    flags = _flags(checked)
    assert flags["L2"] == flags["L3"] != []
    assert "L2 lies below L3 along the spine" in flags["L2"][0]
    assert "swapped" in flags["L2"][0]
    assert not flags["T11"] and not flags["T12"] and not flags["L1"]
    assert checked.get("L2").quality is Quality.LIMITED


def test_labels_shifted_past_an_unlabelled_vertebra_are_flagged(phantom) -> None:
    # The segmenter skipped the real L1: what is L2 is called L1, L3 is called L2.
    checked = _checked(phantom, {"L1": None, "L2": "L1", "L3": "L2"})
    flags = _flags(checked)
    (reason,) = flags["T12"]
    assert flags["L1"] == [reason]
    assert "a vertebra between them has no label" in reason and "shifted" in reason
    assert not flags["L2"]


def test_a_missing_level_is_a_gap_on_its_neighbours(phantom) -> None:
    checked = _checked(phantom, {"L1": None})
    flags = _flags(checked)
    assert flags["T12"] == flags["L2"] != []
    assert "no L1 between T12 and L2" in flags["T12"][0]


def test_a_name_skipped_with_no_room_names_a_transitional_spine(phantom) -> None:
    # Every vertebra from T12 down renamed one lower: T11 then L1, no T12.
    checked = _checked(phantom, {"T12": "L1", "L1": "L2", "L2": "L3", "L3": "L4"})
    flags = _flags(checked)
    assert flags["T11"] == flags["L1"] != []
    assert "no room for T12 between T11 and L1" in flags["T11"][0]
    assert checked.label_notes == (
        "11 thoracic vertebrae (no T12, L1 follows T11): a transitional spine, or shifted labels",
    )


def test_a_duplicate_label_is_flagged_on_every_level_that_carries_it(phantom) -> None:
    checked = _checked(phantom, {"L2": "L1"})
    duplicates = [lv for lv in checked.levels if lv.structure == "L1"]
    assert len(duplicates) == 2
    for lv in duplicates:
        assert any("L1 names 2 structures" in i.reason for i in lv.issues)
        assert lv.quality is Quality.LIMITED


def test_a_transitional_segment_is_named_without_a_flag(phantom) -> None:
    checked = _checked(phantom, {"T11": "T12", "T12": "T13"})
    assert checked.label_notes == ("13 thoracic vertebrae (T13): a transitional segment",)
    assert all(not reasons for reasons in _flags(checked).values())


@pytest.mark.parametrize(("side", "flagged"), [(0.9, False), (0.88, True)])
def test_a_body_much_smaller_than_the_one_above_is_flagged(side: float, flagged: bool) -> None:
    # Depth and width scaled by ``side``: footprint 0.81 (>= FOOTPRINT_MIN_RATIO 0.8) or
    # 0.77 (below) times the level above.
    specs = [normal("L1"), normal("L2", depth_mm=32.0 * side, width_mm=44.0 * side)]
    ph = spine([*specs, normal("L3")], spacing_mm=(1.0, 1.0, 1.0))
    geometry = VolumeGeometry(affine=ph.affine, shape=ph.labels.shape)
    pairs = [(v, geometry) for v in vertebra_voxels(ph.labels, ph.names)]
    measured = measure_levels(pairs, layout="t", stations=Stations.WALLS, max_slice_thickness_mm=3)
    reasons = _flags(check_labels(measured))["L2"]
    assert any("footprint" in r for r in reasons) is flagged


@pytest.mark.parametrize("stations", list(Stations))
def test_a_wedge_fracture_is_not_a_label_problem(stations: Stations) -> None:
    # Ha 13, Hp 26 mm at the walls (50 % anterior loss). By hand, its volume over its
    # largest height (the check before) gave (13 + 26) / 2 / 26 = 0.75 of the footprint
    # of its neighbours, below FOOTPRINT_MIN_RATIO; over its mean height, 1.0.
    specs = [normal("T12"), wall_wedge("L1", anterior_wall_mm=13.0), normal("L2")]
    ph = spine(specs, spacing_mm=(1.0, 1.0, 1.0))
    geometry = VolumeGeometry(affine=ph.affine, shape=ph.labels.shape)
    pairs = [(v, geometry) for v in vertebra_voxels(ph.labels, ph.names)]
    measured = measure_levels(pairs, layout="t", stations=stations, max_slice_thickness_mm=3)
    checked = check_labels(measured)
    assert all(not reasons for reasons in _flags(checked).values())
    assert checked.get("L1").genant_grade == 3  # the fracture is still seen


def test_the_workflow_flags_swapped_labels_in_an_array(phantom) -> None:
    ids = dict(TOTAL_IDS)
    ids["L2"], ids["L3"] = TOTAL_IDS["L3"], TOTAL_IDS["L2"]
    labels = phantom.labels.copy()
    for name, k in phantom.label_ids.items():
        labels[phantom.labels == k] = ids[name]
    measured = measure_labels(labels, affine=phantom.affine, layout="total")
    assert "swapped" in _flags(measured)["L2"][0]
