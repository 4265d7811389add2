"""The measurement picture: CT under the mask outline, labels beside the bodies, a strip."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from kypho.imaging.render import build_picture, describe_picture, render_png
from kypho.morphometry.levels import measure_levels
from kypho.morphometry.types import Stations
from kypho.morphometry.voxels import VolumeGeometry, vertebra_voxels
from phantoms import biconcave, normal, spine, wall_wedge

SPECS = [
    normal("T12", 25.0),
    wall_wedge("L1", anterior_wall_mm=18.2),
    biconcave("L2", middle_height_mm=19.0, height_mm=27.0),
]


@pytest.fixture(scope="module")
def measured():
    ph = spine(SPECS, spacing_mm=(1.5, 1.5, 1.5), tilts_deg=[-5.0, 0.0, 5.0])
    geometry = VolumeGeometry(affine=ph.affine, shape=ph.labels.shape)
    pairs = [(v, geometry) for v in vertebra_voxels(ph.labels, ph.names)]
    result = measure_levels(pairs, layout="t", stations=Stations.WALLS, max_slice_thickness_mm=3)
    ct = np.where(ph.labels > 0, 700.0, 40.0)  # bone in soft tissue, HU
    return result, ph.labels, geometry, ct


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


def test_the_ct_picture_differs_from_the_mask_picture_and_neither_is_blank(measured) -> None:
    spine, labels, geometry, ct = measured
    with_ct = _pixels(render_png(spine, labels=labels, geometry=geometry, ct=ct))
    mask_only = _pixels(render_png(spine, labels=labels, geometry=geometry))
    assert with_ct.shape == mask_only.shape == (1000, 600)  # 6 x 10 in at 100 dpi
    for image in (with_ct, mask_only):
        assert image.std() > 20  # not one flat colour
    assert np.abs(with_ct - mask_only).mean() > 5


def test_level_labels_lie_beside_the_bodies_not_over_them(measured) -> None:
    spine, labels, geometry, ct = measured
    picture = build_picture(spine, labels=labels, geometry=geometry, ct=ct)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(picture.figure).get_renderer()
    ax = picture.main_axes
    assert set(picture.labels) == {"T12", "L1", "L2"}
    for name, text in picture.labels.items():
        label_box = text.get_window_extent(renderer)
        y0, y1, z0, z1 = picture.body_boxes_mm[name]
        corners = ax.transData.transform([(y0, z0), (y1, z1)])
        body_left, body_right = sorted(corners[:, 0])
        assert label_box.x1 < body_left or label_box.x0 > body_right, name
    assert picture.zoomed == ("T12", "L1", "L2")  # one zoomed view per graded level


def test_the_description_says_what_was_drawn(measured) -> None:
    spine = measured[0]
    line = describe_picture(spine, with_mask=True, with_ct=True)
    assert line == (
        "mid-sagittal picture of 3 levels (T12-L2), CT (bone window) under the mask "
        "outline, heights at walls; zoomed views of 3 graded levels"
    )
