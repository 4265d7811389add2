"""The screener's voxel pass (``morphometry.voxels.LabelIndex``) finds every labelled voxel.

The pass searches only rows that hold a label, and in them only the columns between the
first and the last labelled one: labels at the first and last columns, in one row only,
in a single voxel, in Fortran and C order must all be found exactly as ``np.argwhere``
finds them.
"""

from __future__ import annotations

import numpy as np
import pytest

from kypho.morphometry.voxels import LabelIndex


def _volume() -> np.ndarray:
    rng = np.random.default_rng(3)
    labels = np.zeros((37, 29, 23), dtype=np.uint8)
    labels[0, 0, 0] = 20  # the first voxel of the grid
    labels[-1, -1, -1] = 21  # the last one
    labels[5, 3, 4] = labels[-1, 3, 4] = 22  # both ends of one row
    box = rng.random((10, 8, 6)) < 0.4
    labels[12:22, 10:18, 8:14][box] = 31
    labels[12:22, 10:18, 15:21] = 32  # a solid block
    return labels


@pytest.mark.parametrize("order", ["F", "C"])
def test_every_labelled_voxel_is_found_in_either_memory_order(order: str) -> None:
    labels = np.asarray(_volume(), order=order)
    index = LabelIndex(labels, wanted=(20, 21, 22, 31, 32))
    assert index.present == (20, 21, 22, 31, 32)
    for label in index.present:
        found = index.voxels(label, f"L{label}")
        assert found is not None
        expected = np.argwhere(labels == label)
        got = found.indices[np.lexsort(found.indices.T[::-1])]
        assert np.array_equal(got, expected), label


def test_labels_not_wanted_are_seen_but_not_kept() -> None:
    index = LabelIndex(_volume(), wanted=(31,))
    assert index.present == (20, 21, 22, 31, 32)
    assert index.voxels(32, "L2") is None
    found = index.voxels(31, "L1")
    assert found is not None and len(found.indices) == int((_volume() == 31).sum())
