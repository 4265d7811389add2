"""The procedure in the side view drawn from landmarks: needles, balloon and lift, cement.

The same steps, sources and bounds as the 3-D model (``kypho.education.steps``): the
lift is ``height_gains_mm`` (the trials' mean gains, never above the estimated height
before the fracture), the tips sit where the 3-D model puts them along the body
(``TARGET_FORWARD_FRACTION`` of the depth in front of the middle), the balloon grows to
the cement's volume, the cement is the plan's.

What the landmarks do not hold is drawn as a sketch and said to be: the pedicles are not
in the landmarks, so the needle enters straight from behind at mid-height, from
``NEEDLE_OUTSIDE_MM`` + ``PEDICLE_LENGTH_MM`` behind the posterior wall. A bipedicular
plan's two needles lie one behind the other in a side view: the second is drawn
``SECOND_NEEDLE_OFFSET_MM`` higher so that both show (a drawing convention).

Cement and balloon, *project convention*: each is drawn as the mid-sagittal section of
the ellipsoid the 3-D model draws for its share of the volume
(``ellipsoid_axes_for_volume(volume / n, BALLOON_SHAPE)``, semi-axes a, b, c along
anterior, lateral, superior), an ellipse of area pi * a * c, centred at the needle's tip
or as far behind it, along the needle, as keeps the whole blob ``WALL_GAP_MM`` inside
the body's outline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kypho.education.outline2d import Frame2D, Outline, lifted
from kypho.education.shapes import ellipsoid_axes_for_volume
from kypho.education.steps import (
    BALLOON_SHAPE,
    FRAMES_PER_MOVING_STEP,
    NEEDLE_OUTSIDE_MM,
    TARGET_FORWARD_FRACTION,
)

Floats = NDArray[np.float64]
PEDICLE_LENGTH_MM = 10.0  # as anatomy.PEDICLE_SLAB_MM: the pedicle, behind the wall (sketch)
NEEDLE_WIDTH_MM = 3.0  # an 11-gauge trocar is about 3 mm across (as shapes.NEEDLE_RADIUS_MM)
SECOND_NEEDLE_OFFSET_MM = 2.5  # the other side's needle, drawn this much higher (convention)
ELLIPSE_POINTS = 72  # polygon points of a drawn ellipse: area within 0.2 % of pi*a*c
MIN_BALLOON_SHARE = 0.15  # the balloon's first frame, as the 3-D model's
# The drawn cement and balloon kept this far inside the outline (drawing convention): at
# 1 mm from the anterior wall alone the blob's edge merged with the cortex line at page
# scale and could read as cement at or through the wall, which is a leak to a patient.
WALL_GAP_MM = 2.0
BLOB_STEP_MM = 0.5  # the grid of places tried for a blob (drawing)
BLOB_SHIFT_MM = 5.0  # how far above or below its tip a blob may be drawn (drawing)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """One filled polygon of a scene (mm, in the plane) and what it is (``bone``...)."""

    role: str
    points: Floats  # (N, 2): a (front), s (up)
    label: str = ""  # a vertebra's name, written beside it


Scene = tuple[Shape, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SideStep:
    key: str
    frames: tuple[Scene, ...]


def ellipse(centre: Floats, *, frame: Frame2D, semi_u_mm: float, semi_w_mm: float) -> Floats:
    """A polygon of ``ELLIPSE_POINTS`` on the ellipse with these semi-axes (mm)."""
    t = np.linspace(0.0, 2 * math.pi, ELLIPSE_POINTS, endpoint=False)
    u, w = semi_u_mm * np.cos(t), semi_w_mm * np.sin(t)
    return np.asarray(centre + u[:, None] * frame.anterior + w[:, None] * frame.superior)


def section_axes_mm(volume_ml: float) -> tuple[float, float]:
    """(anterior, superior) semi-axes of the mid-sagittal section of a ``volume_ml`` blob."""
    a, _, c = (float(x) for x in ellipsoid_axes_for_volume(volume_ml, BALLOON_SHAPE))
    return a, c


def needle_tips(frame: Frame2D, count: int) -> tuple[Floats, ...]:
    """One tip per needle; the second, if any, ``SECOND_NEEDLE_OFFSET_MM`` higher."""
    u = frame.station_u_mm[1] + TARGET_FORWARD_FRACTION * frame.depth_mm
    return tuple(frame.world(u, k * SECOND_NEEDLE_OFFSET_MM) for k in range(count))


def _needle(frame: Frame2D, tip: Floats, fraction: float) -> Shape:
    behind = frame.posterior_wall_u_mm - PEDICLE_LENGTH_MM - NEEDLE_OUTSIDE_MM
    u_tip = float((tip - frame.centre) @ frame.anterior)
    entry = tip + (behind - u_tip) * frame.anterior
    end = entry + fraction * (tip - entry)
    side = NEEDLE_WIDTH_MM / 2 * frame.superior
    return Shape(role="needle", points=np.array([entry - side, end - side, end + side,
                                                 entry + side]))  # fmt: skip


def clearance_mm(points: Floats, outline: Floats) -> float:
    """The least signed distance (mm) from ``points`` to the closed polygon ``outline``:
    the band of bone left around them, or minus the depth of the point furthest out."""
    from matplotlib.path import Path as Polygon

    a, b = outline, np.roll(outline, -1, axis=0)
    ab = b - a
    t = np.clip(((points[:, None, :] - a) * ab).sum(-1) / (ab * ab).sum(-1), 0.0, 1.0)
    d = np.linalg.norm(points[:, None, :] - (a + t[..., None] * ab), axis=-1).min(axis=1)
    inside = Polygon(outline).contains_points(points)
    return float(np.where(inside, d, -d).min())


def blob_centres(
    frame: Frame2D, tips: tuple[Floats, ...], cement_ml: float, body: Floats
) -> tuple[Floats, ...]:
    """Where balloon and cement sit: at each tip if the whole blob is ``WALL_GAP_MM``
    inside ``body`` (the fractured outline: the lifted one only grows), else at the
    nearest place, on a ``BLOB_STEP_MM`` grid behind the tip and up to
    ``BLOB_SHIFT_MM`` above or below it, that is; where none is, at the place with the
    most bone around it."""
    a, c = section_axes_mm(cement_ml / len(tips))
    found = []
    for tip in tips:
        u_tip = float((tip - frame.centre) @ frame.anterior)
        backs = np.arange(0.0, u_tip - frame.posterior_wall_u_mm, BLOB_STEP_MM)
        shifts = np.arange(-BLOB_SHIFT_MM, BLOB_SHIFT_MM + BLOB_STEP_MM / 2, BLOB_STEP_MM)
        places = sorted(((float(du), float(dw)) for du in backs for dw in shifts),
                        key=lambda p: math.hypot(*p))  # fmt: skip
        best, best_gap = tip, -math.inf
        for du, dw in places:
            at = tip - du * frame.anterior + dw * frame.superior
            gap = clearance_mm(ellipse(at, frame=frame, semi_u_mm=a, semi_w_mm=c), body)
            if gap >= WALL_GAP_MM:
                best = at
                break
            if gap > best_gap:
                best, best_gap = at, gap
        found.append(best)
    return tuple(found)


def _blobs(frame: Frame2D, at: tuple[Floats, ...], volume_ml: float, role: str) -> list[Shape]:
    if volume_ml <= 0:
        return []
    a, c = section_axes_mm(volume_ml / len(at))
    return [Shape(role=role, points=ellipse(t, frame=frame, semi_u_mm=a, semi_w_mm=c))
            for t in at]  # fmt: skip


def _body(body: Outline, role: str) -> Shape:
    return Shape(role=role, points=body.points, label=body.structure)


def build_side_steps(
    *,
    bones: tuple[Outline, ...],
    fractured: Outline,
    frame: Frame2D,
    needles: int,
    cement_ml: float,
    gains_mm: tuple[float, float, float],
) -> tuple[SideStep, ...]:
    """The five steps (``STEP_KEYS``) for ``needles`` needles (1 or 2)."""
    tips = needle_tips(frame, needles)
    at = blob_centres(frame, tips, cement_ml, fractured.points)
    grow = [(k + 1) / FRAMES_PER_MOVING_STEP for k in range(FRAMES_PER_MOVING_STEP)]
    fixed = tuple(_body(b, "bone") for b in bones)
    start = (*fixed, _body(fractured, "fractured"))
    full = [_needle(frame, t, 1.0) for t in tips]
    final = _body(lifted(fractured, frame, gains_mm, 1.0), "fractured")
    needling = tuple((*start, *(_needle(frame, t, f) for t in tips)) for f in grow)
    balloon = tuple(
        (*fixed, _body(lifted(fractured, frame, gains_mm, f), "fractured"), *full,
         *_blobs(frame, at, cement_ml * max(f, MIN_BALLOON_SHARE), "balloon"))
        for f in grow
    )  # fmt: skip
    cement = tuple((*fixed, final, *full, *_blobs(frame, at, cement_ml * f, "cement"))
                   for f in grow)  # fmt: skip
    after = (*fixed, final, *_blobs(frame, at, cement_ml, "cement"))
    return (
        SideStep(key="start", frames=(start,)),
        SideStep(key="needles", frames=needling),
        SideStep(key="balloon", frames=balloon),
        SideStep(key="cement", frames=cement),
        SideStep(key="after", frames=((*_before(start, after), *after),)),
    )


def _before(start: Scene, after: Scene) -> Scene:
    """``start`` moved to the front (the viewer's left) of the result, pale: before, after."""
    points = np.concatenate([s.points for s in (*start, *after)])
    shift = np.array([1.3 * float(np.ptp(points[:, 0])), 0.0])
    return tuple(Shape(role=f"before-{s.role}", points=s.points + shift, label=s.label)
                 for s in start)  # fmt: skip


def polygon_area_mm2(points: Floats) -> float:
    """The shoelace area of a simple polygon (mm2)."""
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)
