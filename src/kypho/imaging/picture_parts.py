"""Pieces of the measurement picture: planes, outlines, height lines, labels, scale bar.

Everything is drawn in patient mm on a sagittal plane (``y`` anterior, ``z`` superior,
RAS+); axes are shown with anterior to the left, as radiologists view a sagittal image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.types import LevelMeasurement
from kypho.morphometry.voxels import VolumeGeometry

PIXEL_MM = 0.5
GRADE_COLOURS = {0: "tab:green", 1: "gold", 2: "tab:orange", 3: "tab:red", None: "tab:gray"}
# CT bone window: width 1800 HU, level 400 HU (a common bone setting), as vmin/vmax.
BONE_WINDOW_HU = (400 - 1800 / 2, 400 + 1800 / 2)
LABEL_GAP_MM = 6.0  # level labels start this far in front of the body's anterior wall
Box = tuple[float, float, float, float]  # (y0, y1, z0, z1) mm


def plane_values(
    volume: NDArray[Any], geometry: VolumeGeometry, *, x_mm: float, box_mm: Box, fill: float
) -> NDArray[Any]:
    """``volume`` on the plane x = ``x_mm`` over ``box_mm`` (nearest voxel), rows superior
    first; ``fill`` outside the volume."""
    y0, y1, z0, z1 = box_mm
    ys, zs = np.arange(y0, y1, PIXEL_MM), np.arange(z1, z0, -PIXEL_MM)
    yy, zz = np.meshgrid(ys, zs)
    world = np.stack([np.full(yy.size, x_mm), yy.ravel(), zz.ravel()], axis=1)
    inverse = np.linalg.inv(geometry.affine)
    ijk = np.rint(world @ inverse[:3, :3].T + inverse[:3, 3]).astype(np.intp)
    ok = ((ijk >= 0) & (ijk < np.asarray(geometry.shape))).all(axis=1)
    out = np.full(yy.size, fill, dtype=volume.dtype)
    out[ok] = volume[ijk[ok, 0], ijk[ok, 1], ijk[ok, 2]]
    return out.reshape(yy.shape)


def six_points(level: LevelMeasurement) -> NDArray[np.float64] | None:
    """(6, 3) mm: superior then inferior point at the anterior, middle, posterior station."""
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


def grade_colour(level: LevelMeasurement) -> str:
    return GRADE_COLOURS.get(level.genant_grade, "tab:gray")


def draw_background(
    ax: Any, *, ct: NDArray[Any] | None, labels: NDArray[Any] | None, box: Box
) -> None:
    """The CT in a bone window under the mask's outline, or the mask itself."""
    extent = (box[0], box[1], box[2], box[3])
    if ct is not None:
        lo, hi = BONE_WINDOW_HU
        ax.imshow(ct, cmap="gray", vmin=lo, vmax=hi, extent=extent, origin="upper")
    if labels is None:
        return
    inside = labels > 0
    if ct is None:  # the mask itself, each label its own shade
        shaded = np.ma.masked_where(~inside, labels.astype(float))
        ax.imshow(shaded, cmap="tab20", extent=extent, origin="upper", alpha=0.55)
    if inside.any() and not inside.all():
        ys = np.arange(box[0], box[1], PIXEL_MM)[: labels.shape[1]]
        zs = np.arange(box[3], box[2], -PIXEL_MM)[: labels.shape[0]]
        ax.contour(ys, zs, inside.astype(float), levels=[0.5], colors="cyan", linewidths=0.8)


def draw_heights(
    ax: Any, level: LevelMeasurement, points: NDArray[np.float64], *, values: bool
) -> None:
    """The three height lines (stations) of a level; with ``values``, each one's mm."""
    colour = grade_colour(level)
    heights = level.vertebra.heights_mm or (None, None, None)
    for k, height in zip(range(0, 6, 2), heights, strict=True):
        pair = points[k : k + 2]
        ax.plot(pair[:, 1], pair[:, 2], color=colour, lw=2, solid_capstyle="butt")
        ax.plot(pair[:, 1], pair[:, 2], "o", color=colour, ms=2.5)
        if values and height is not None:
            y, z = pair[:, 1].mean(), pair[:, 2].mean()
            ax.text(
                y,
                z,
                f"{height:.1f}",
                color="white",
                fontsize=6,
                ha="center",
                va="center",
                rotation=90,
                bbox={"facecolor": "black", "alpha": 0.6, "pad": 0.6, "lw": 0},
            )


def level_text(level: LevelMeasurement) -> str:
    grade = "-" if level.genant_grade is None else str(level.genant_grade)
    first = f"{level.structure} G{grade} {level.quality.value}"
    heights = level.vertebra.heights_mm
    if heights is None:
        return first
    return first + "\n" + "/".join(f"{h:.1f}" for h in heights) + " mm"


def draw_label(ax: Any, level: LevelMeasurement, points: NDArray[np.float64]) -> Any:
    """The level's name, grade and heights in front of its body (anterior), not over it.

    The x axis runs anterior to the left (inverted), so the text is right-aligned at a
    point ``LABEL_GAP_MM`` anterior to the body's most anterior point: it extends away
    from the body.
    """
    return ax.text(
        float(points[:, 1].max()) + LABEL_GAP_MM,
        float(points[:, 2].mean()),
        level_text(level),
        color=grade_colour(level),
        fontsize=7,
        ha="right",
        va="center",
        bbox={"facecolor": "black", "alpha": 0.5, "pad": 1.0, "lw": 0},
    )


def draw_scale_bar(ax: Any, *, length_mm: float, box: Box) -> None:
    """A white bar ``length_mm`` long near the lower posterior corner, labelled."""
    y_right, z_bottom = box[0] + 0.05 * (box[1] - box[0]), box[2] + 0.04 * (box[3] - box[2])
    ax.plot([y_right, y_right + length_mm], [z_bottom, z_bottom], color="white", lw=3)
    ax.text(
        y_right + length_mm / 2,
        z_bottom + 0.015 * (box[3] - box[2]),
        f"{length_mm:g} mm",
        color="white",
        fontsize=7,
        ha="center",
        va="bottom",
    )


def legend_handles(*, with_mask: bool, stations: str) -> list[Any]:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=c, lw=2, label=f"grade {g}" if g is not None else "not graded")
        for g, c in GRADE_COLOURS.items()
    ]
    handles.append(
        Line2D(
            [],
            [],
            color="white",
            lw=0,
            marker="o",
            markerfacecolor="gray",
            label=f"height lines: {stations}",
        )
    )
    if with_mask:
        handles.append(Line2D([], [], color="cyan", lw=0.8, label="mask outline"))
    return handles
