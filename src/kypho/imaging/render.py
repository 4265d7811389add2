"""Draw the mid-sagittal plane with the measured heights and each level's grade (PNG).

The plane is resampled (nearest neighbour) from the label volume at the patients'
median left-right position of the measured points, so what is drawn is what was
measured: six points and three height lines per level, in patient mm. The picture is
returned as PNG bytes; the caller writes them.
"""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.types import LevelMeasurement, SpineMeasurement
from kypho.morphometry.voxels import VolumeGeometry

PIXEL_MM = 0.5
GRADE_COLOURS = {0: "tab:green", 1: "gold", 2: "tab:orange", 3: "tab:red", None: "tab:gray"}


def sagittal_plane(
    labels: NDArray[np.integer], geometry: VolumeGeometry, *, x_mm: float, box_mm: tuple[float, ...]
) -> NDArray[np.integer]:
    """Labels on the plane x = ``x_mm`` over (y0, y1, z0, z1), rows superior first."""
    y0, y1, z0, z1 = box_mm
    ys, zs = np.arange(y0, y1, PIXEL_MM), np.arange(z1, z0, -PIXEL_MM)
    yy, zz = np.meshgrid(ys, zs)
    world = np.stack([np.full(yy.size, x_mm), yy.ravel(), zz.ravel()], axis=1)
    inverse = np.linalg.inv(geometry.affine)
    ijk = np.rint(world @ inverse[:3, :3].T + inverse[:3, 3]).astype(np.intp)
    ok = ((ijk >= 0) & (ijk < np.asarray(geometry.shape))).all(axis=1)
    out = np.zeros(yy.size, dtype=labels.dtype)
    out[ok] = labels[ijk[ok, 0], ijk[ok, 1], ijk[ok, 2]]
    return out.reshape(yy.shape)


def _points(level: LevelMeasurement) -> NDArray[np.float64] | None:
    six = level.vertebra.points
    if six is None:
        return None
    return np.array(
        [
            six.superior_anterior_mm,
            six.inferior_anterior_mm,
            six.superior_middle_mm,
            six.inferior_middle_mm,
            six.superior_posterior_mm,
            six.inferior_posterior_mm,
        ]
    )


def render_png(
    spine: SpineMeasurement,
    *,
    labels: NDArray[np.integer] | None = None,
    geometry: VolumeGeometry | None = None,
) -> bytes:
    """PNG bytes of the mid-sagittal plane, heights drawn, each level's grade labelled.

    Uses matplotlib's ``Figure`` directly (no ``pyplot``, no backend switch): nothing
    global is touched, so it is safe in web workers and threads. The caller writes the
    bytes where it wants them.
    """
    from matplotlib.figure import Figure

    drawn = [(lv, p) for lv in spine.levels if (p := _points(lv)) is not None]
    allpts = np.concatenate([p for _, p in drawn]) if drawn else np.zeros((1, 3))
    lo, hi = allpts.min(axis=0) - 40, allpts.max(axis=0) + 40
    box = (float(lo[1]), float(hi[1]), float(lo[2]), float(hi[2]))
    fig = Figure(figsize=(6, 10), dpi=100)
    ax = fig.subplots()
    if labels is not None and geometry is not None:
        plane = sagittal_plane(labels, geometry, x_mm=float(np.median(allpts[:, 0])), box_mm=box)
        ax.imshow(plane > 0, cmap="gray", extent=box, origin="upper", alpha=0.6)
    for level, p in drawn:
        colour = GRADE_COLOURS.get(level.genant_grade, "tab:gray")
        for k in range(0, 6, 2):
            ax.plot(p[k : k + 2, 1], p[k : k + 2, 2], color=colour, lw=2)
        grade = "-" if level.genant_grade is None else str(level.genant_grade)
        text = f"{level.structure} G{grade} {level.quality.value}"
        ax.text(p[:, 1].max() + 4, p[:, 2].mean(), text, color=colour, fontsize=8, va="center")
    ax.set_xlim(box[1], box[0])  # anterior to the left, as radiologists view the sagittal
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("anterior <- y (mm, RAS) -> posterior")
    ax.set_ylabel("z (mm, superior up)")
    ax.set_title(f"kypho measure: {spine.method}", fontsize=8)
    ax.set_aspect("equal")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
