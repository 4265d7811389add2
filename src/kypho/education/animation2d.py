"""The side view drawn from landmarks as an animated GIF and key frames (Pillow).

The same size, timing and colours as the 3-D model's GIF (``animation``): each step
lasts ``STEP_SECONDS``, a moving step's frames share it. Polygons are drawn at
``SUPERSAMPLE`` times the size and scaled down (smooth edges), then quantised to 256
colours. The words "Drawn from landmarks (2-D)" sit in a corner of every frame.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from kypho.education.animation import HEIGHT_PX, STEP_SECONDS, WIDTH_PX, Animation
from kypho.education.page import part_style
from kypho.education.page2d import LABEL, columns, screen
from kypho.education.sideview import SideProcedure
from kypho.education.steps2d import Floats, Scene

SUPERSAMPLE = 2
MARGIN_PX = 20
CORNER_TEXT_PX = 14
LABEL_ROOM_PX = 36  # left of the drawing, for the vertebrae's names


def _fit(scenes: tuple[Scene, ...]) -> tuple[Floats, float, Floats]:
    """(screen-mm corner, px per mm, offset px) placing ``scenes`` in the picture, centred
    in what is left after the corner text (top) and the names (left)."""
    pts = screen(np.concatenate([s.points for scene in scenes for s in scene]))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    corner = np.array([MARGIN_PX + LABEL_ROOM_PX, MARGIN_PX + 2 * CORNER_TEXT_PX], float)
    room = np.array([WIDTH_PX, HEIGHT_PX], float) - corner - MARGIN_PX
    scale = float(min(room / np.maximum(hi - lo, 1e-6)))
    offset = corner + (room - scale * (hi - lo)) / 2
    return lo, scale, offset


def _rgba(colour: str, opacity: float) -> tuple[int, int, int, int]:
    rgb = tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return rgb[0], rgb[1], rgb[2], int(round(255 * opacity))


def _draw(scene: Scene, fit: tuple[Floats, float, Floats]) -> Any:
    from PIL import Image, ImageDraw, ImageFont

    lo, scale, offset = fit
    k = SUPERSAMPLE
    picture = Image.new("RGBA", (WIDTH_PX * k, HEIGHT_PX * k), (255, 255, 255, 255))
    for shape in scene:  # each on a layer of its own box, laid over what is drawn
        px = ((screen(shape.points) - lo) * scale + offset) * k
        corner = np.clip(np.floor(px.min(axis=0)) - k, 0, None).astype(int)
        size = np.ceil(px.max(axis=0) - corner).astype(int) + 2 * k
        layer = Image.new("RGBA", (int(size[0]), int(size[1])), (0, 0, 0, 0))
        colour, opacity = part_style(shape.role)
        ImageDraw.Draw(layer).polygon([(float(x), float(y)) for x, y in px - corner],
                                      fill=_rgba(colour, opacity), outline=(85, 85, 85, 255),
                                      width=k)  # fmt: skip
        picture.alpha_composite(layer, dest=(int(corner[0]), int(corner[1])))
    small = picture.reduce(k).convert("RGB")  # box average of k x k: smooth edges, fast
    font = ImageFont.load_default(size=CORNER_TEXT_PX)
    pen = ImageDraw.Draw(small)
    pen.text((6, 4), LABEL, fill=(60, 60, 60), font=font)
    for word, cx, top in columns(scene):
        x_px, y_px = (np.array([cx, top]) - lo) * scale + offset
        pen.text((float(x_px), float(y_px) - 3), word, fill=(60, 60, 60), font=font, anchor="md")
    for shape in scene:
        if shape.label:  # in front of the body (the needles come from behind)
            px = (screen(shape.points) - lo) * scale + offset
            pen.text((float(px[:, 0].min()) - 4, float(px[:, 1].mean())), shape.label,
                     fill=(60, 60, 60), font=font, anchor="rm")  # fmt: skip
    return small


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_animation_2d(procedure: SideProcedure) -> Animation:
    """Every scene drawn once; the GIF loops forever. The result step is framed on its own."""
    from PIL import Image

    steps = procedure.steps
    fits = (_fit(tuple(f for s in steps[:-1] for f in s.frames)), _fit(steps[-1].frames))
    images, durations, keys = [], [], []
    for n, step in enumerate(steps):
        fit = fits[1] if n == len(steps) - 1 else fits[0]
        ms = int(round(1000 * STEP_SECONDS / len(step.frames)))
        for scene in step.frames:
            picture = _draw(scene, fit)
            images.append(picture.quantize(colors=256, method=Image.Quantize.FASTOCTREE))
            durations.append(ms)
        keys.append(_png(picture))
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, optimize=False, disposal=1)  # fmt: skip
    return Animation(gif=out.getvalue(), frame_count=len(images), key_frames_png=tuple(keys))
