"""The procedure as scenes: needles, balloon and lift, cement, and the result beside the start.

What the animation may show is bounded by what trials report (clinical-reference 3.4):
the endplate is lifted by at most the mean gains of one series (anterior 1.5 mm, middle
2.1 mm, posterior 0.9 mm; the initial gain was not maintained at 6 weeks / 1 year), and
never above the estimated height before the fracture (the morphometry's reference
height: the neighbours' mean, else the level's own tallest height). A fully restored
vertebra is therefore never shown. The balloon's volume equals the cement's, as in FREE
(inflation volumes matched cement volumes, about 2.4 mL a side, clinical-reference 4.2);
the cement volume is the middle of the plan's range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kypho.education.anatomy import BodyFrame
from kypho.education.mesh import Mesh
from kypho.education.shapes import ellipsoid, ellipsoid_axes_for_volume, needle

Floats = NDArray[np.float64]
URL_HEIGHT_GAIN = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6147886"
URL_HEIGHT_LOST_AGAIN = "https://pmc.ncbi.nlm.nih.gov/articles/PMC2996621"
URL_FREE_VOLUME = "https://boneandjoint.org.uk/Article/10.1302/1358-992X.95BSUPP_17.SBPR2012-005"
# Mean height gains after kyphoplasty, mm (anterior, middle, posterior) [URL_HEIGHT_GAIN].
MEAN_HEIGHT_GAIN_MM = (1.5, 2.1, 0.9)
FRAMES_PER_MOVING_STEP = 4
NEEDLE_OUTSIDE_MM = 35.0  # needle drawn this far back from the pedicle, towards the skin
TARGET_FORWARD_FRACTION = 0.2  # tip this far (of the depth) in front of the body's middle
TARGET_LATERAL_FRACTION = 0.35  # bipedicular tip: this share of the pedicle's offset
BALLOON_SHAPE = (1.0, 0.7, 0.8)  # proportions along anterior, lateral, superior (drawing)
STEP_KEYS = ("start", "needles", "balloon", "cement", "after")


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One mesh in a scene and what it is (``bone``, ``fractured``, ``needle``...)."""

    role: str
    mesh: Mesh


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    key: str
    frames: tuple[tuple[Part, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Procedure:
    """The steps, and the numbers behind them (heights in mm, cement in mL)."""

    level: str
    approach: str
    steps: tuple[Step, ...]
    heights_before_mm: tuple[float, float, float]
    heights_after_mm: tuple[float, float, float]
    pre_fracture_height_mm: float
    cement_ml: float
    standard: bool
    sized_by: str  # what the model's shape comes from (the mask, or what sized a standard)


def height_gains_mm(
    heights_mm: tuple[float, float, float], pre_fracture_height_mm: float
) -> tuple[float, float, float]:
    """The lift shown at each station: the mean trial gain, capped below the old height.

    >>> height_gains_mm((15.0, 20.0, 25.5), 26.0)
    (1.5, 2.1, 0.5)
    >>> height_gains_mm((26.0, 26.0, 26.0), 26.0)
    (0.0, 0.0, 0.0)
    """
    found = [
        round(max(0.0, min(gain, pre_fracture_height_mm - h)), 6)
        for gain, h in zip(MEAN_HEIGHT_GAIN_MM, heights_mm, strict=True)
    ]
    return found[0], found[1], found[2]


def lifted(mesh: Mesh, frame: BodyFrame, gains_mm: tuple[float, ...], fraction: float) -> Mesh:
    """``mesh`` with its body's upper half raised by ``fraction`` of the station gains.

    A vertex of the body (in front of the posterior wall) rises in proportion to how
    high it sits in the upper half: the endplate by the whole gain, the middle not at all.
    """
    local = frame.local(mesh.vertices)
    u, w = local[:, 0], local[:, 2]
    stations = list(reversed(frame.station_u_mm))  # posterior, middle, anterior: increasing
    half = np.interp(u, stations, list(reversed(frame.heights_mm))) / 2
    gain = np.interp(u, stations, list(reversed(gains_mm)))
    body = u >= frame.posterior_wall_u_mm - 1.0
    weight = np.where(body, np.clip(w / half, 0.0, 1.0), 0.0)
    rise = fraction * gain * weight
    return mesh.moved(mesh.vertices + rise[:, None] * frame.superior[None, :])


def needle_targets(
    frame: BodyFrame, pedicles: tuple[Floats, ...], *, bipedicular: bool
) -> tuple[Floats, ...]:
    """Needle tips: in front of the body's middle, beside it (two) or at the midline (one)."""
    u = frame.station_u_mm[1] + TARGET_FORWARD_FRACTION * frame.depth_mm
    tips = []
    for pedicle in pedicles:
        v = frame.local(pedicle[None, :])[0, 1]
        lateral = TARGET_LATERAL_FRACTION * v if bipedicular else 0.0
        tips.append(frame.world(np.array([u, lateral, 0.0])))
    return tuple(tips)


def _needles(pedicles: tuple[Floats, ...], tips: tuple[Floats, ...], f: float) -> list[Part]:
    parts = []
    for pedicle, tip in zip(pedicles, tips, strict=True):
        back = (pedicle - tip) / np.linalg.norm(pedicle - tip)
        entry = pedicle + NEEDLE_OUTSIDE_MM * back
        parts.append(Part(role="needle", mesh=needle(entry, entry + f * (tip - entry))))
    return parts


def _blobs(frame: BodyFrame, tips: tuple[Floats, ...], volume_ml: float, role: str) -> list[Part]:
    if volume_ml <= 0:
        return []
    axes = ellipsoid_axes_for_volume(volume_ml / len(tips), BALLOON_SHAPE)
    a, b, c = (float(x) for x in axes)
    return [
        Part(role=role, mesh=ellipsoid(frame, centre=t, axes_mm=(a, b, c), structure=role))
        for t in tips
    ]


def build_steps(
    *,
    bones: tuple[Part, ...],
    fractured: Mesh,
    frame: BodyFrame,
    pedicles: tuple[Floats, ...],
    bipedicular: bool,
    cement_ml: float,
    gains_mm: tuple[float, float, float],
) -> tuple[Step, ...]:
    """The five steps; ``bones`` are the neighbours (the fractured level is ``fractured``)."""
    tips = needle_targets(frame, pedicles, bipedicular=bipedicular)
    n = FRAMES_PER_MOVING_STEP
    grow = [(k + 1) / n for k in range(n)]
    start = (*bones, Part(role="fractured", mesh=fractured))
    full = _needles(pedicles, tips, 1.0)
    raised = lifted(fractured, frame, gains_mm, 1.0)
    final_bone = Part(role="fractured", mesh=raised)
    needles = tuple((*start, *_needles(pedicles, tips, f)) for f in grow)
    balloon = tuple(
        (*bones, Part(role="fractured", mesh=lifted(fractured, frame, gains_mm, f)), *full,
         *_blobs(frame, tips, cement_ml * max(f, 0.15), "balloon"))
        for f in grow
    )  # fmt: skip
    cement = tuple(
        (*bones, final_bone, *full, *_blobs(frame, tips, cement_ml * f, "cement")) for f in grow
    )
    after = (*bones, final_bone, *_blobs(frame, tips, cement_ml, "cement"))
    beside = _beside(start, frame)
    return (
        Step(key="start", frames=(start,)),
        Step(key="needles", frames=needles),
        Step(key="balloon", frames=balloon),
        Step(key="cement", frames=cement),
        Step(key="after", frames=((*after, *beside),)),
    )


def view_eye(frame: BodyFrame) -> Floats:
    """Where the viewer stands: the patient's left, a little in front and above."""
    return np.asarray(1.8 * frame.lateral + 0.7 * frame.anterior + 0.4 * frame.superior)


def _beside(parts: tuple[Part, ...], frame: BodyFrame) -> tuple[Part, ...]:
    """``parts`` moved sideways on the screen by 1.3 times their extent, as ``before``."""
    across = np.cross(frame.superior, view_eye(frame))
    across /= np.linalg.norm(across)
    extent = max(float(np.ptp(p.mesh.vertices @ across)) for p in parts)
    shift = -1.3 * extent * across
    return tuple(
        Part(role=f"before-{p.role}", mesh=p.mesh.moved(p.mesh.vertices + shift)) for p in parts
    )
