"""An animated GIF of the steps (matplotlib frames, Pillow) and key frames as PNG.

A moving step shows each of its frames for ``STEP_SECONDS / frames``; a still step shows
its one frame for ``STEP_SECONDS``. The picture is ``WIDTH_PX`` x ``HEIGHT_PX`` with at
most 256 colours a frame, so the file stays small enough for e-mail.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.education.anatomy import BodyFrame
from kypho.education.page import part_style
from kypho.education.steps import Part, Procedure, Step, view_eye

STEP_SECONDS = 3.0
WIDTH_PX, HEIGHT_PX = 480, 360
DPI = 100
ZOOM = 1.15  # matplotlib leaves a margin round a 3-D box; more crops the side-by-side result
AMBIENT = 0.45  # share of a face's colour lit whichever way it faces
Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Animation:
    gif: bytes
    frame_count: int
    key_frames_png: tuple[bytes, ...]  # the last frame of each step


def _view(frame: BodyFrame) -> tuple[float, float]:
    eye = view_eye(frame)
    elev = math.degrees(math.asin(eye[2] / np.linalg.norm(eye)))
    return elev, math.degrees(math.atan2(eye[1], eye[0]))


def _bounds(steps: tuple[Step, ...]) -> tuple[Floats, Floats]:
    """The lowest and highest corner of everything these steps show (mm)."""
    points = np.concatenate([p.mesh.vertices for s in steps for f in s.frames for p in f])
    return points.min(axis=0), points.max(axis=0)


def _canvas(view: tuple[float, float], box: tuple[Floats, Floats]) -> tuple[Any, Any]:
    """One figure and 3-D axes, reused for every frame (making them costs as much as a frame)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    ax: Any = fig.add_axes((0, 0, 1, 1), projection="3d")
    lo, hi = box
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_zlim(lo[2], hi[2])
    ax.set_box_aspect(tuple(hi - lo), zoom=ZOOM)  # one mm the same length on every axis
    ax.view_init(elev=view[0], azim=view[1])
    ax.set_axis_off()
    return fig, ax


def _draw(ax: Any, scene: tuple[Part, ...], light: Floats) -> None:
    """Replace what ``ax`` shows by ``scene``: one collection, faces shaded by the light."""
    from matplotlib.colors import to_rgb
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection  # type: ignore[import-untyped]

    for old in list(ax.collections):
        old.remove()
    tris, colours = [], []
    for part in scene:
        colour, opacity = part_style(part.role)
        t = part.mesh.vertices[part.mesh.faces]
        normals = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
        shade = AMBIENT + (1 - AMBIENT) * np.abs(normals @ light)
        rgba = np.empty((len(t), 4))
        rgba[:, :3] = np.asarray(to_rgb(colour))[None, :] * shade[:, None]
        rgba[:, 3] = opacity
        tris.append(t)
        colours.append(rgba)
    ax.add_collection3d(
        Poly3DCollection(
            np.concatenate(tris), facecolors=np.concatenate(colours), edgecolors="none"
        )
    )


def _rgb(fig: Any) -> NDArray[np.uint8]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    return np.asarray(rgba)[:, :, :3].copy()


def _png(image: NDArray[np.uint8]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_animation(procedure: Procedure, frame: BodyFrame) -> Animation:
    """Every scene drawn once; the GIF loops forever."""
    from PIL import Image

    # The procedure framed alone; the result beside the start framed on its own (wider).
    steps = procedure.steps
    canvases = [
        _canvas(_view(frame), _bounds(steps[:-1])),
        _canvas(_view(frame), _bounds(steps[-1:])),
    ]
    eye = view_eye(frame)
    light = (eye + 1.0 * frame.superior) / np.linalg.norm(eye + 1.0 * frame.superior)
    images, durations, keys = [], [], []
    for n, step in enumerate(steps):
        fig, ax = canvases[0] if n < len(steps) - 1 else canvases[1]
        ms = int(round(1000 * STEP_SECONDS / len(step.frames)))
        for scene in step.frames:
            _draw(ax, scene, light)
            pixels = _rgb(fig)
            images.append(
                Image.fromarray(pixels).quantize(colors=256, method=Image.Quantize.FASTOCTREE)
            )
            durations.append(ms)
        keys.append(_png(pixels))
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, optimize=False, disposal=1)  # fmt: skip
    return Animation(gif=out.getvalue(), frame_count=len(images), key_frames_png=tuple(keys))
