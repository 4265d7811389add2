"""Gated samples (issue 13's speed-up) give a station exactly the level ``level_at`` gives.

``plane_samples`` gates an endplate's samples once; each station's window then tests only
the depth. The level must be the same float as ``level_at`` on the whole surface (not
merely close): the figures of ``test_speed_same_figures`` depend on it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kypho.morphometry.endplates import (
    Surface,
    endplate_surfaces,
    fit_plane,
    level_at,
    plane_samples,
)
from kypho.morphometry.voxels import VolumeGeometry

UP = np.array([0.0, 0.0, 1.0])


def _dented_top(slope: float, *, dent_mm: float) -> Surface:
    """The top of a slab rising ``slope`` towards anterior, dented in its middle.

    A dent (a concave endplate) and a tilt on a 0.8 x 0.8 x 2 mm grid: windows near the
    dent hold samples at several levels, so the anchor and the mean are both exercised.
    """
    i, j, k = np.meshgrid(np.arange(38), np.arange(50), np.arange(15), indexing="ij")
    x, y, z = i * 0.8 - 15.0, j * 0.8 - 20.0, k * 2.0
    top_mm = 20.37 + slope * y - dent_mm * np.exp(-(x**2 + y**2) / 40.0)
    inside = (z >= 1.0) & (z <= top_mm)
    idx = np.stack([i[inside], j[inside], k[inside]], axis=1).astype(np.intp)
    affine = np.diag([0.8, 0.8, 2.0, 1.0])
    affine[:3, 3] = (-15.0, -20.0, 0.0)
    top, _, step = endplate_surfaces(idx, VolumeGeometry(affine=affine, shape=i.shape), UP)
    return Surface(top[:, [1, 0, 2]], step)  # (u, v, w): anterior, lateral, superior


@pytest.mark.parametrize(("slope_deg", "dent_mm"), [(0.0, 0.0), (4.0, 3.0), (-9.0, 6.0)])
@pytest.mark.parametrize("outward", [1, -1])
def test_a_gated_window_gives_level_at_to_the_last_bit(slope_deg, dent_mm, outward) -> None:
    surface = _dented_top(math.tan(math.radians(slope_deg)), dent_mm=dent_mm)
    plane = fit_plane(surface, u_range=(-16, 16), half_width_mm=10, max_residual_mm=4)
    assert plane is not None
    gates = {"half_v_mm": 8.0, "max_residual_mm": 2.5}
    gated = plane_samples(surface, plane, **gates)
    assert 0 < len(gated.u_mm) < len(surface.samples)  # the gates dropped some samples
    found = []
    for u_mm in np.linspace(-21.0, 21.0, 29):
        for half_u_mm in (0.3, 1.5, 6.0):
            want = level_at(
                surface, plane, u_mm=u_mm, half_u_mm=half_u_mm, outward=outward, **gates
            )
            got = gated.level(u_mm=u_mm, half_u_mm=half_u_mm, outward=outward)
            assert got == want, (u_mm, half_u_mm)  # exact: None where no sample, else same
            found.append(want is not None)
    assert any(found) and not all(found)  # windows beyond the slab hold no sample
