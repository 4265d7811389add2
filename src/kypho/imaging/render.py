"""The measurement picture: what was measured, drawn so a radiologist can judge it (PNG).

The main panel is the mid-sagittal plane at the median left-right position of the
measured points: the CT in a bone window under the outline of the mask (with a CT), or
the mask itself; each level's three height lines (its stations) in the colour of its
grade; its name, grade, quality and heights in front of the body, never over it; a
legend and a scale bar. Beside it, a strip of zoomed sagittal views, one per graded
level, with each height's value in mm on its line. Planes are sampled (nearest voxel)
from the volumes the measurement used, in patient mm, so what is drawn is what was
measured. Drawn on a ``matplotlib.figure.Figure`` (no ``pyplot``): nothing global is
touched; the caller writes the bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.imaging.picture_parts import (
    GRADE_COLOURS,
    PIXEL_MM,
    Box,
    draw_background,
    draw_heights,
    draw_label,
    draw_scale_bar,
    legend_handles,
    plane_values,
    six_points,
)
from kypho.morphometry.types import LevelMeasurement, SpineMeasurement
from kypho.morphometry.voxels import VolumeGeometry

__all__ = ["GRADE_COLOURS", "PIXEL_MM", "Picture", "describe_picture", "render_png"]
MARGIN_MM = 40.0  # around the measured points in the main panel
LABEL_ROOM_MM = 40.0  # more in front of the bodies, where the level labels are
ZOOM_MARGIN_MM = 12.0  # around one body in its zoomed view
STRIP_PER_COLUMN = 6


@dataclass(frozen=True, slots=True)
class Picture:
    """The drawn figure, with the artists a test may inspect."""

    figure: Any  # matplotlib.figure.Figure
    main_axes: Any
    labels: dict[str, Any]  # structure -> its text artist in the main panel
    body_boxes_mm: dict[str, Box]  # structure -> (y0, y1, z0, z1) of its six points
    zoomed: tuple[str, ...]  # the levels shown in the strip


def sagittal_plane(
    labels: NDArray[np.integer], geometry: VolumeGeometry, *, x_mm: float, box_mm: Box
) -> NDArray[np.integer]:
    """Labels on the plane x = ``x_mm`` over (y0, y1, z0, z1), rows superior first."""
    return plane_values(labels, geometry, x_mm=x_mm, box_mm=box_mm, fill=0)


def _box(points: NDArray[np.float64], margin_mm: float) -> Box:
    lo, hi = points.min(axis=0) - margin_mm, points.max(axis=0) + margin_mm
    return float(lo[1]), float(hi[1]), float(lo[2]), float(hi[2])


@dataclass(frozen=True, slots=True)
class _Sources:
    labels: NDArray[np.integer] | None
    geometry: VolumeGeometry | None
    ct: NDArray[Any] | None


def _planes(box: Box, x_mm: float, sources: _Sources) -> tuple[Any, Any]:
    labels, geometry, ct = sources.labels, sources.geometry, sources.ct
    if geometry is None:
        return None, None
    mask = None if labels is None else sagittal_plane(labels, geometry, x_mm=x_mm, box_mm=box)
    image = None
    if ct is not None:
        image = plane_values(np.asarray(ct), geometry, x_mm=x_mm, box_mm=box, fill=-1000)
    return mask, image


def _frame_axes(ax: Any, box: Box, *, dark: bool) -> None:
    ax.set_xlim(box[1], box[0])  # anterior to the left
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal")
    if dark:
        ax.set_facecolor("black")


def _zoom(ax: Any, level: LevelMeasurement, points: NDArray[np.float64], sources: _Sources) -> None:
    box = _box(points, ZOOM_MARGIN_MM)
    mask, image = _planes(box, float(np.median(points[:, 0])), sources)
    draw_background(ax, ct=image, labels=mask, box=box)
    draw_heights(ax, level, points, values=True)
    _frame_axes(ax, box, dark=True)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(level_title(level), fontsize=7)
    draw_scale_bar(ax, length_mm=10.0, box=box)


def level_title(level: LevelMeasurement) -> str:
    loss = level.height_loss_pct
    shown = "" if loss is None else f", loss {loss:.0f} %"
    return f"{level.structure}: grade {level.genant_grade}{shown}"


def build_picture(
    spine: SpineMeasurement,
    *,
    labels: NDArray[np.integer] | None = None,
    geometry: VolumeGeometry | None = None,
    ct: NDArray[Any] | None = None,
) -> Picture:
    """The figure ``render_png`` draws (``ct``: HU on ``geometry``'s grid, or None)."""
    from matplotlib.figure import Figure

    drawn = [(lv, p) for lv in spine.levels if (p := six_points(lv)) is not None]
    allpts = np.concatenate([p for _, p in drawn]) if drawn else np.zeros((1, 3))
    box = _box(allpts, MARGIN_MM)
    box = (box[0], box[1] + LABEL_ROOM_MM, box[2], box[3])  # the labels go in front
    graded = [(lv, p) for lv, p in drawn if lv.genant_grade is not None]
    columns = math.ceil(len(graded) / STRIP_PER_COLUMN)
    # 6 x 10 in with one strip column (main panel 2/3 of the width); 2 in per extra column.
    fig = Figure(figsize=(6 + 2 * max(0, columns - 1), 10), dpi=100)
    grid = fig.add_gridspec(STRIP_PER_COLUMN, 2 + columns)
    ax = fig.add_subplot(grid[:, : 2 if columns else 3])
    sources = _Sources(labels, geometry, ct)
    mask, image = _planes(box, float(np.median(allpts[:, 0])), sources)
    draw_background(ax, ct=image, labels=mask, box=box)
    texts: dict[str, Any] = {}
    boxes: dict[str, Box] = {}
    for level, p in drawn:
        draw_heights(ax, level, p, values=False)
        texts[level.structure] = draw_label(ax, level, p)
        boxes[level.structure] = _box(p, 0.0)
    _frame_axes(ax, box, dark=image is not None or mask is not None)
    ax.set_xlabel("anterior <- y (mm, RAS) -> posterior")
    ax.set_ylabel("z (mm, superior up)")
    stations = "-" if spine.stations is None else spine.stations.value
    method = spine.method.replace(", stations", ",\nstations")
    ax.set_title(f"kypho measure (heights: {stations})\n{method}", fontsize=7)
    draw_scale_bar(ax, length_mm=50.0, box=box)
    legend = legend_handles(with_mask=mask is not None, stations=stations)
    # Below the panel, so that it covers nothing measured.
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=6)
    for k, (level, p) in enumerate(graded):
        _zoom(
            fig.add_subplot(grid[k % STRIP_PER_COLUMN, 2 + k // STRIP_PER_COLUMN]),
            level,
            p,
            sources,
        )
    fig.text(
        0.01,
        0.005,
        "Decision support only; check on the images. The physician decides.",
        fontsize=6,
    )
    return Picture(fig, ax, texts, boxes, tuple(lv.structure for lv, _ in graded))


def render_png(
    spine: SpineMeasurement,
    *,
    labels: NDArray[np.integer] | None = None,
    geometry: VolumeGeometry | None = None,
    ct: NDArray[Any] | None = None,
) -> bytes:
    """PNG bytes of ``build_picture``: safe in web workers and threads."""
    buffer = io.BytesIO()
    build_picture(spine, labels=labels, geometry=geometry, ct=ct).figure.savefig(
        buffer, format="png"
    )
    return buffer.getvalue()


def describe_picture(
    spine: SpineMeasurement, *, with_mask: bool = False, with_ct: bool = False
) -> str:
    """One line saying what ``render_png`` shows (for ``--image``)."""
    drawn = [lv.structure for lv in spine.levels if lv.vertebra.points is not None]
    graded = [
        lv.structure
        for lv in spine.levels
        if lv.genant_grade is not None and lv.vertebra.points is not None
    ]
    under = (
        "CT (bone window) under the mask outline"
        if with_ct
        else ("the mask" if with_mask else "height lines only (no image)")
    )
    stations = "-" if spine.stations is None else spine.stations.value
    span = f"{drawn[0]}-{drawn[-1]}" if drawn else "none"
    return (
        f"mid-sagittal picture of {len(drawn)} levels ({span}), {under}, heights at "
        f"{stations}; zoomed views of {len(graded)} graded levels"
    )
