"""Seeded synthetic spines with known answers, for morphometry tests.

A vertebra is built in its own frame (u anterior, v lateral, w superior, mm, origin at
the body centre): an elliptic-cylinder body whose height profile passes exactly through
the chosen anterior, middle and posterior heights at 15 %, 50 % and 85 % of its depth
(a symmetric wedge, plus a central dip for biconcavity), pedicles, lamina, a spinous
process and an empty spinal canal. Bodies are stacked along a sagittal curve with
discs between them, then voxelised at voxel centres on any grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
CANAL_DEPTH_MM = 12.0


@dataclass(frozen=True)
class VertebraSpec:
    structure: str
    anterior_height_mm: float = 26.0
    middle_height_mm: float = 26.0
    posterior_height_mm: float = 26.0
    depth_mm: float = 32.0
    width_mm: float = 44.0
    retropulsion_mm: float = 0.0

    @property
    def station_u_mm(self) -> float:
        return 0.35 * self.depth_mm

    def height_at(self, u: Floats) -> Floats:
        s = self.station_u_mm
        lin = self.posterior_height_mm + (self.anterior_height_mm - self.posterior_height_mm) * (
            u + s
        ) / (2 * s)
        dip = (self.anterior_height_mm + self.posterior_height_mm) / 2 - self.middle_height_mm
        return np.asarray(lin - dip * np.where(np.abs(u) < s, np.cos(np.pi / 2 * u / s) ** 2, 0.0))

    @property
    def wedge_angle_deg(self) -> float:
        rise = (self.posterior_height_mm - self.anterior_height_mm) / 2
        return 2 * math.degrees(math.atan2(rise, 2 * self.station_u_mm))

    @property
    def heights_mm(self) -> tuple[float, float, float]:
        return self.anterior_height_mm, self.middle_height_mm, self.posterior_height_mm

    @property
    def max_height_mm(self) -> float:
        return max(self.anterior_height_mm, self.middle_height_mm, self.posterior_height_mm)


def normal(structure: str, height_mm: float = 26.0, **kw: float) -> VertebraSpec:
    return VertebraSpec(structure, height_mm, height_mm, height_mm, **kw)


def wedge(structure: str, *, anterior_height_mm: float, posterior_height_mm: float = 26.0):
    mid = (anterior_height_mm + posterior_height_mm) / 2
    return VertebraSpec(structure, anterior_height_mm, mid, posterior_height_mm)


def biconcave(structure: str, *, middle_height_mm: float, height_mm: float = 26.0):
    return VertebraSpec(structure, height_mm, middle_height_mm, height_mm)


def crush(structure: str, *, height_mm: float):
    return VertebraSpec(structure, height_mm, height_mm, height_mm)


def inside(spec: VertebraSpec, q: Floats) -> NDArray[np.bool_]:
    """Membership of local points ``q`` (N, 3) in the whole vertebra."""
    u, v, w = q[:, 0], q[:, 1], q[:, 2]
    half_d, half_w = spec.depth_mm / 2, spec.width_mm / 2
    body = ((u / half_d) ** 2 + (v / half_w) ** 2 <= 1) & (np.abs(w) <= spec.height_at(u) / 2)
    if spec.retropulsion_mm > 0:
        hp = spec.posterior_height_mm
        reach = spec.retropulsion_mm * np.clip(1 - (w / (0.2 * hp)) ** 2, 0, None)
        body |= (u <= -half_d + 2) & (u >= -half_d - reach) & (np.abs(v) < 8) & (reach > 0)
    back = -half_d - CANAL_DEPTH_MM
    arch_h = 0.35 * spec.posterior_height_mm
    pedicle = (
        (u < -half_d + 4)
        & (u >= back)
        & (np.abs(np.abs(v) - (half_w - 8)) < 4)
        & (np.abs(w) < arch_h)
    )
    lamina = (u < back) & (u >= back - 6) & (np.abs(v) < half_w - 6) & (np.abs(w) < arch_h)
    spinous = (u < back - 6) & (u >= back - 30) & (np.abs(v) < 3) & (np.abs(w) < arch_h)
    return np.asarray(body | pedicle | lamina | spinous)


def _frame(tilt_deg: float, coronal_deg: float) -> Floats:
    """Columns: anterior, lateral, superior unit vectors in RAS+ for the given tilts."""
    t, c = math.radians(tilt_deg), math.radians(coronal_deg)
    superior = np.array([math.sin(c), math.sin(t) * math.cos(c), math.cos(t) * math.cos(c)])
    anterior = np.array([0.0, math.cos(t), -math.sin(t)])
    anterior -= anterior.dot(superior) * superior
    anterior /= np.linalg.norm(anterior)
    return np.stack([anterior, np.cross(superior, anterior), superior], axis=1)


@dataclass
class Phantom:
    labels: NDArray[np.uint8]
    affine: Floats
    specs: tuple[VertebraSpec, ...]
    frames: tuple[Floats, ...]
    centres_mm: tuple[Floats, ...]
    label_ids: dict[str, int] = field(default_factory=dict)

    @property
    def names(self) -> dict[int, str]:
        return {v: k for k, v in self.label_ids.items()}

    def six_points_mm(self, structure: str) -> dict[str, Floats]:
        i = [s.structure for s in self.specs].index(structure)
        spec, rot, c = self.specs[i], self.frames[i], self.centres_mm[i]
        s = spec.station_u_mm
        out = {}
        for key, u, h in (
            ("anterior", s, spec.anterior_height_mm),
            ("middle", 0.0, spec.middle_height_mm),
            ("posterior", -s, spec.posterior_height_mm),
        ):
            out[f"superior_{key}"] = c + rot @ np.array([u, 0.0, h / 2])
            out[f"inferior_{key}"] = c + rot @ np.array([u, 0.0, -h / 2])
        return out

    def cobb_deg(self, upper: str, lower: str) -> float:
        """Truth: superior endplate of ``upper`` to inferior endplate of ``lower``, sagittal."""

        def tilt(a: Floats, p: Floats) -> float:
            d = p - a
            return math.degrees(math.atan2(d[2], -d[1]))

        up, lo = self.six_points_mm(upper), self.six_points_mm(lower)
        return tilt(up["superior_anterior"], up["superior_posterior"]) - tilt(
            lo["inferior_anterior"], lo["inferior_posterior"]
        )


def spine(
    specs: list[VertebraSpec],
    *,
    spacing_mm: tuple[float, float, float] = (1.0, 1.0, 1.0),
    tilts_deg: list[float] | None = None,
    coronal_deg: float = 0.0,
    disc_mm: float = 8.0,
    label_ids: dict[str, int] | None = None,
    seed: int = 0,
) -> Phantom:
    """Voxelise ``specs`` (cranial first) on an RAS grid with the given spacing."""
    rng = np.random.default_rng(seed)
    tilts = tilts_deg if tilts_deg is not None else [0.0] * len(specs)
    frames = tuple(_frame(t, coronal_deg) for t in tilts)
    centres = [rng.uniform(-0.5, 0.5, 3)]
    for i in range(1, len(specs)):
        step = specs[i - 1].max_height_mm / 2 + disc_mm + specs[i].max_height_mm / 2
        axis = (frames[i - 1][:, 2] + frames[i][:, 2]) / 2
        centres.append(centres[-1] - step * axis / np.linalg.norm(axis))
    ids = label_ids or {s.structure: k + 1 for k, s in enumerate(specs)}
    sp = np.asarray(spacing_mm, dtype=float)
    corners = np.array([[a, b, c] for a in (-60, 30) for b in (-30, 30) for c in (-25, 25)])
    world = np.concatenate([c + corners @ f.T for c, f in zip(centres, frames, strict=True)])
    lo, hi = world.min(axis=0) - 4 * sp, world.max(axis=0) + 4 * sp
    shape = tuple(int(n) for n in np.ceil((hi - lo) / sp) + 1)
    labels = np.zeros(shape, dtype=np.uint8)
    affine = np.diag([*sp, 1.0])
    affine[:3, 3] = lo
    for spec, rot, c in zip(specs, frames, centres, strict=True):
        box = c + corners @ rot.T
        i0 = np.clip(np.floor((box.min(axis=0) - lo) / sp).astype(int), 0, None)
        i1 = np.minimum(np.ceil((box.max(axis=0) - lo) / sp).astype(int) + 1, shape)
        grid = np.stack(
            np.meshgrid(*(np.arange(a, b) for a, b in zip(i0, i1, strict=True)), indexing="ij"),
            axis=-1,
        ).reshape(-1, 3)
        q = (grid * sp + lo - c) @ rot
        hit = grid[inside(spec, q)]
        labels[hit[:, 0], hit[:, 1], hit[:, 2]] = ids[spec.structure]
    return Phantom(labels, affine, tuple(specs), frames, tuple(centres), ids)


def reorient(phantom: Phantom, *, order: tuple[int, int, int], flips: tuple[bool, ...]) -> Phantom:
    """Same spine stored with permuted/flipped voxel axes and the matching affine."""
    data = np.transpose(phantom.labels, order)
    affine = phantom.affine.copy()
    affine[:3, :3] = phantom.affine[:3, :3][:, list(order)]
    for ax, flip in enumerate(flips):
        if flip:
            data = np.flip(data, axis=ax)
            affine[:3, 3] += affine[:3, ax] * (data.shape[ax] - 1)
            affine[:3, ax] *= -1
    return Phantom(
        np.ascontiguousarray(data),
        affine,
        phantom.specs,
        phantom.frames,
        phantom.centres_mm,
        phantom.label_ids,
    )


# TotalSegmentator ``total`` task ids (v2) and VerSe ids, as in kypho.imaging.layouts.
TOTAL_IDS = {"S1": 26, **{f"L{5 - i}": 27 + i for i in range(5)}}
TOTAL_IDS |= {f"T{12 - i}": 32 + i for i in range(12)}
TOTAL_IDS |= {f"C{7 - i}": 44 + i for i in range(7)}
VERSE_IDS = {**{f"L{i}": 19 + i for i in range(1, 7)}, **{f"T{i}": 7 + i for i in range(1, 13)}}
VERSE_IDS["T13"] = 28


def write_nifti(phantom: Phantom, path: object, *, dtype: type = np.uint8) -> None:
    """Save ``phantom`` as NIfTI (labels cast to ``dtype``, e.g. float32 as VerSe ships)."""
    import nibabel as nib

    nib.save(nib.Nifti1Image(phantom.labels.astype(dtype), phantom.affine), str(path))


# Truth at the walls (six-point convention, kypho.morphometry.types.Stations.WALLS).
# A spec's height profile is linear front to back outside the central dip, so its height
# at a wall is ``height_at(+-depth / 2)``: on a wedge, further from the middle than the
# 15/85 % stations (those see 70 % of the wall-to-wall difference).


def wall_heights_mm(spec: VertebraSpec) -> tuple[float, float, float]:
    """(anterior wall, middle, posterior wall) heights of ``spec``, mm."""
    half = spec.depth_mm / 2
    at = spec.height_at(np.array([half, 0.0, -half]))
    return float(at[0]), float(at[1]), float(at[2])


def wall_wedge(
    structure: str, *, anterior_wall_mm: float, posterior_wall_mm: float = 26.0
) -> VertebraSpec:
    """A linear wedge whose heights at the anterior and posterior walls are those given."""
    rise = anterior_wall_mm - posterior_wall_mm
    return VertebraSpec(
        structure,
        posterior_wall_mm + 0.85 * rise,
        posterior_wall_mm + 0.50 * rise,
        posterior_wall_mm + 0.15 * rise,
    )
