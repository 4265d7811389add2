"""Grading against neighbours, and the same mask graded with its neighbours out of view."""

from __future__ import annotations

import numpy as np
import pytest

from kypho.morphometry.body import measure_vertebra
from kypho.morphometry.spine import UNSEEN_CRUSH_MAX_PCT, grade_spine
from kypho.morphometry.types import (
    Morphology,
    Quality,
    ReferenceMethod,
    SpineMeasurement,
    VertebraMeasurement,
)
from kypho.morphometry.voxels import VolumeGeometry, vertebra_voxels
from phantoms import Phantom, VertebraSpec, crush, normal, spine, wall_wedge

SPACING_MM = (1.0, 1.0, 1.0)


def _measure(labels: np.ndarray, affine: np.ndarray, names: dict[int, str]) -> SpineMeasurement:
    geo = VolumeGeometry(affine=affine, shape=labels.shape)
    return grade_spine(
        [measure_vertebra(v, geo) for v in vertebra_voxels(labels, names)], method="test"
    )


def _cropped_to(ph: Phantom, structure: str) -> tuple[np.ndarray, np.ndarray]:
    """The volume cut to the slices of ``structure`` (+2 each side): its neighbours out of view."""
    k = np.nonzero((ph.labels == ph.label_ids[structure]).any(axis=(0, 1)))[0]
    k0, k1 = int(k.min()) - 2, int(k.max()) + 3
    affine = ph.affine.copy()
    affine[:3, 3] += affine[:3, 2] * k0
    return ph.labels[:, :, k0:k1].copy(), affine


def _full_and_cropped(l1: VertebraSpec, *, neighbour_mm: tuple[float, float]):
    ph = spine([normal("T12", neighbour_mm[0]), l1, normal("L2", neighbour_mm[1])])
    labels, affine = _cropped_to(ph, "L1")
    assert set(np.unique(labels)) == {0, ph.label_ids["L1"]}  # only L1 is in view
    full = _measure(ph.labels, ph.affine, ph.names).get("L1")
    alone = _measure(labels, affine, ph.names).get("L1")
    assert full.vertebra.heights_mm == pytest.approx(alone.vertebra.heights_mm, abs=1e-9)
    return full, alone


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def test_a_wedge_gets_the_same_grade_with_or_without_its_neighbours() -> None:
    # By hand, at the walls (the default stations): Ha 18.2 mm against the neighbours'
    # mean anterior height (25 + 27) / 2 = 26 mm, or against its own Hp of 26 mm:
    # 1 - 18.2 / 26 = 30.0 % either way, grade 2.
    spec = wall_wedge("L1", anterior_wall_mm=18.2, posterior_wall_mm=26.0)
    full, alone = _full_and_cropped(spec, neighbour_mm=(25.0, 27.0))
    for lv in (full, alone):
        assert lv.height_loss_pct == pytest.approx(30.0, abs=4.0)
        assert (lv.genant_grade, lv.morphology) == (2, Morphology.WEDGE)
    assert (full.reference_method, full.reference_from) == (
        ReferenceMethod.NEIGHBOURS,
        "neighbours T12, L2",
    )
    assert alone.reference_method is ReferenceMethod.OWN_POSTERIOR
    assert full.genant_grade_range[1] < 3  # with neighbours the crush loss is measured
    assert alone.genant_grade_range[1] == 3  # without, it may be anything
    assert _overlap(full.genant_grade_range, alone.genant_grade_range)


def test_a_crush_hidden_without_neighbours_stays_inside_the_stated_grade_range() -> None:
    # By hand: 18 mm everywhere against neighbours of 27 mm: 1 - 18 / 27 = 33.3 %,
    # grade 2, crush. Alone, Ha/Hp = Hm/Hp = 1 shows no loss (grade 0), and the level
    # says a crush cannot be seen: its range reaches grade 3, so it includes grade 2.
    full, alone = _full_and_cropped(crush("L1", height_mm=18.0), neighbour_mm=(27.0, 27.0))
    assert full.height_loss_pct == pytest.approx(33.3, abs=4.0)
    assert (full.genant_grade, full.genant_grade_range) == (2, (2, 2))
    assert full.morphology is Morphology.CRUSH
    assert alone.height_loss_pct == pytest.approx(0.0, abs=4.0)
    assert (alone.genant_grade, alone.genant_grade_range) == (0, (0, 3))
    assert alone.height_loss_range_pct[1] == UNSEEN_CRUSH_MAX_PCT == 100.0
    assert alone.quality is Quality.LIMITED
    (note,) = [i.reason for i in alone.issues if i.reason.startswith("no intact neighbour")]
    assert "own posterior height (Ha/Hp, Hm/Hp)" in note and "grade may be 0 to 3" in note
    assert full.genant_grade_range[0] <= alone.genant_grade_range[1]


def _landmarks(structure: str, a: float, m: float, p: float) -> VertebraMeasurement:
    return VertebraMeasurement(
        structure=structure, anterior_height_mm=a, middle_height_mm=m, posterior_height_mm=p
    )


@pytest.mark.parametrize(
    ("heights", "loss_pct", "grade", "kind"),
    [
        ((20.0, 22.0, 26.0), 23.08, 1, Morphology.WEDGE),  # 1 - 20/26
        ((26.0, 19.0, 26.0), 26.92, 2, Morphology.BICONCAVE),  # 1 - 19/26
        ((20.9, 26.0, 26.0), 19.62, 0, Morphology.NONE),  # 1 - 20.9/26: below 20 %
        ((20.8, 26.0, 26.0), 20.0, 1, Morphology.WEDGE),  # 1 - 20.8/26: at 20 %
        # A lordotic L5 (Ha > Hp) has lost nothing; its own largest height would say 13 %.
        ((30.0, 26.0, 26.0), 0.0, 0, Morphology.NONE),
    ],
)
def test_without_a_neighbour_ha_and_hm_are_graded_against_hp(heights, loss_pct, grade, kind):
    (lv,) = grade_spine([_landmarks("L1", *heights)], method="landmarks").levels
    assert lv.height_loss_pct == pytest.approx(loss_pct, abs=0.01)
    assert (lv.genant_grade, lv.morphology) == (grade, kind)
    assert lv.reference_height_mm == 26.0
    # Landmarks carry no height doubt: the low end is the measured loss itself.
    assert lv.height_loss_range_pct == pytest.approx((loss_pct, 100.0), abs=0.01)
    assert lv.genant_grade_range == (grade, 3)


def test_fractured_neighbours_do_not_serve_as_reference() -> None:
    # L1 and L2 both crushed to 18 mm: neither is intact, so each is graded against
    # its own posterior height, never against the other's collapsed heights.
    levels = [_landmarks("L1", 18.0, 18.0, 18.0), _landmarks("L2", 18.0, 18.0, 18.0)]
    levels.insert(0, _landmarks("T12", 27.0, 27.0, 27.0))
    result = grade_spine(levels, method="landmarks")
    assert result.get("L1").reference_from == "neighbours T12"
    assert result.get("L1").genant_grade == 2  # by hand: 1 - 18/27 = 33.3 %
    # L2's nearest intact neighbour is T12 (above L1), 33.3 % too.
    assert result.get("L2").reference_from == "neighbours T12"
    assert result.get("T12").reference_method is ReferenceMethod.OWN_POSTERIOR


def test_ungraded_structures_have_no_grade_and_say_why() -> None:
    (lv,) = grade_spine([_landmarks("C2", 20.0, 20.0, 26.0)], method="landmarks").levels
    assert lv.genant_grade is None and lv.reference_method is None
    assert [i.reason for i in lv.issues] == ["not graded: Genant grading covers C3-L6"]


def test_unmeasured_level_is_not_graded() -> None:
    (lv,) = grade_spine([VertebraMeasurement(structure="L1")], method="t").levels
    assert lv.genant_grade is None and lv.issues == ()
