"""One vertebra from its voxels: body separation, six points, volume, retropulsion.

Method: a first frame from principal axes (the body is lower than it is wide or deep),
then three rounds of (separate the body at the spinal canal along the mid-sagittal
line; place the six points; re-derive the frame from the endplates). Each height is
the body volume above a small footprint divided by the footprint area, which stays
unbiased on tilted and anisotropic grids. Stations lie at 15 %, 50 % and 85 % of the
body's depth from the anterior wall (as TotalSegmentator's spine report does).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.sixpoint import Frame, body_frame, heights_mm, wedge_angle_deg
from kypho.morphometry.types import Issue, Quality, SixPoints, VertebraMeasurement
from kypho.morphometry.voxels import VertebraVoxels, VolumeGeometry

Floats = NDArray[np.float64]
STATION_FRACTIONS = (0.15, 0.50, 0.85)  # of body depth, from the anterior wall
# Half-width of each station's footprint, as a fraction of depth: wide at the walls to
# average voxel steps on a sloping endplate, narrow at the middle to keep a concavity.
STATION_WINDOWS = (0.10, 0.02, 0.10)
MIN_FOOTPRINT_VOXELS = 3
CANAL_GAP_MM = 4.0  # an empty run this long on the midline marks the spinal canal
FRAME_ROUNDS = 3


def _centroid(points_mm: Floats) -> Floats:
    # A matrix-vector product: about 9x faster than ``mean(axis=0)`` on (N, 3) arrays.
    return np.asarray(np.ones(len(points_mm)) @ points_mm / len(points_mm))


def _pca_frame(points_mm: Floats) -> Frame:
    centred = points_mm - _centroid(points_mm)
    cov = centred.T @ centred
    superior = np.linalg.eigh(cov)[1][:, 0]
    superior = superior if superior[2] >= 0 else -superior
    anterior = np.array([0.0, 1.0, 0.0]) - superior[1] * superior
    return anterior / np.linalg.norm(anterior), superior


def _local(points_mm: Floats, frame: Frame, origin: Floats) -> Floats:
    anterior, superior = frame
    lateral = np.cross(superior, anterior)
    return np.asarray((points_mm - origin) @ np.stack([anterior, lateral, superior], axis=1))


def _body_mask(q: Floats, *, bin_mm: float, slab_mm: float) -> NDArray[np.bool_]:
    """Points anterior to the first midline gap (the spinal canal); all if none."""
    u = q[np.abs(q[:, 1]) < slab_mm, 0]
    if u.size == 0:
        return np.ones(len(q), dtype=bool)
    counts = np.bincount(((u.max() - u) / bin_mm).astype(np.intp))
    gap_bins = max(2, math.ceil(CANAL_GAP_MM / bin_mm))
    empty = np.convolve(counts == 0, np.ones(gap_bins, dtype=int), mode="valid") == gap_bins
    if not empty.any():
        return np.ones(len(q), dtype=bool)
    return np.asarray(q[:, 0] > u.max() - int(np.argmax(empty)) * bin_mm)


def _grid_count(
    geometry: VolumeGeometry, frame: Frame, origin: Floats, box: tuple[float, ...]
) -> int:
    """Voxel centres of the whole grid inside a local box (u0, u1, v0, v1, w0, w1)."""
    u0, u1, v0, v1, w0, w1 = box
    anterior, superior = frame
    axes = np.stack([anterior, np.cross(superior, anterior), superior], axis=1)
    corners = np.array([[u, v, w] for u in (u0, u1) for v in (v0, v1) for w in (w0, w1)])
    inverse = np.linalg.inv(geometry.affine)
    ijk = (origin + corners @ axes.T) @ inverse[:3, :3].T + inverse[:3, 3]
    lo, hi = np.floor(ijk.min(axis=0)), np.ceil(ijk.max(axis=0))
    ranges = [np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)]
    grid = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, 3)
    q = _local(geometry.to_mm(grid.astype(np.intp)), frame, origin)
    inside = (q[:, 0] >= u0) & (q[:, 0] < u1) & (q[:, 1] >= v0) & (q[:, 1] < v1)
    return int((inside & (q[:, 2] >= w0) & (q[:, 2] < w1)).sum())


def _posterior_wall(mid: Floats, ext_u: float, bin_mm: float) -> tuple[float, float]:
    """(posterior wall position at the corners, largest bulge beyond it), local mm."""
    low, high = mid[:, 2].min(), mid[:, 2].max()
    margin = 0.1 * (high - low)
    edges = np.arange(low + margin, high - margin, bin_mm)
    which = np.digitize(mid[:, 2], edges) - 1
    rows = (which >= 0) & (which < len(edges) - 1)
    back = np.full(max(len(edges) - 1, 0), np.inf)
    np.minimum.at(back, which[rows], mid[rows, 0])
    ok = np.isfinite(back)
    if ok.sum() < 4:
        return float(mid[:, 0].min() - ext_u / 2), 0.0
    w, b = edges[:-1][ok], back[ok] - ext_u / 2
    n = max(1, len(b) // 5)
    corners = (float(b[:n].mean()), float(b[-n:].mean()))
    line = np.interp(w, [w[:n].mean(), w[-n:].mean()], corners)
    return sum(corners) / 2, max(0.0, float((line - b).max()))


def _point(v: Floats) -> tuple[float, float, float]:
    return float(v[0]), float(v[1]), float(v[2])


def _six_points(
    body_mm: Floats, frame: Frame, geometry: VolumeGeometry
) -> tuple[SixPoints | None, float]:
    """Six points of the body in ``frame`` and the retropulsion (mm); ``None`` if no body."""
    anterior, superior = frame
    origin = _centroid(body_mm)
    q = _local(body_mm, frame, origin)
    ext_u = geometry.extent_along_mm(anterior)
    half_v = max(4.0, geometry.extent_along_mm(np.cross(superior, anterior)))
    mid = q[np.abs(q[:, 1]) < half_v]
    if len(mid) < MIN_FOOTPRINT_VOXELS:
        return None, 0.0
    front = mid[:, 0].max() + ext_u / 2
    back, bulge_mm = _posterior_wall(mid, ext_u, max(1.0, geometry.extent_along_mm(superior)))
    depth = front - back
    w_lo, w_hi = mid[:, 2].min() - 5.0, mid[:, 2].max() + 5.0
    ends: list[Floats] = []
    for fraction, window in zip(STATION_FRACTIONS, STATION_WINDOWS, strict=True):
        station = front - fraction * depth
        half_u = max(ext_u / 2, window * depth)
        w = mid[np.abs(mid[:, 0] - station) < half_u, 2]
        box = (station - half_u, station + half_u, -half_v, half_v, w_lo, w_hi)
        cells = _grid_count(geometry, frame, origin, box)
        if len(w) < MIN_FOOTPRINT_VOXELS or cells == 0:
            return None, bulge_mm
        height = len(w) / cells * (w_hi - w_lo)
        centre = origin + station * anterior + float(w.mean()) * superior
        ends += [centre + height / 2 * superior, centre - height / 2 * superior]
    six = SixPoints(
        superior_anterior_mm=_point(ends[0]),
        inferior_anterior_mm=_point(ends[1]),
        superior_middle_mm=_point(ends[2]),
        inferior_middle_mm=_point(ends[3]),
        superior_posterior_mm=_point(ends[4]),
        inferior_posterior_mm=_point(ends[5]),
    )
    return six, bulge_mm


def _touches_edge(idx: NDArray[np.intp], shape: tuple[int, int, int]) -> bool:
    # Column by column: reducing an (N, 3) array along axis 0 is about 10x slower.
    cols = range(3) if len(idx) else ()
    return any(idx[:, k].min() == 0 or idx[:, k].max() == shape[k] - 1 for k in cols)


def _issues(
    body_idx: NDArray[np.intp],
    geometry: VolumeGeometry,
    *,
    superior: Floats,
    min_body_voxels: int,
    max_slice_thickness_mm: float,
) -> tuple[Issue, ...]:
    found: list[Issue] = []
    if _touches_edge(body_idx, geometry.shape):
        found.append(Issue(quality=Quality.POOR, reason="body cut by the image edge"))
    if len(body_idx) < min_body_voxels:
        found.append(
            Issue(
                quality=Quality.POOR,
                reason=f"too few voxels: {len(body_idx)} in the body, need {min_body_voxels}",
            )
        )
    thickness = geometry.resolution_along_mm(superior)
    if thickness > max_slice_thickness_mm + 1e-6:
        found.append(
            Issue(
                quality=Quality.POOR,
                reason=f"sampling {thickness:.1f} mm along the body axis > "
                f"{max_slice_thickness_mm:g} mm; heights need thinner slices",
            )
        )
    return tuple(found)


def measure_vertebra(
    voxels: VertebraVoxels,
    geometry: VolumeGeometry,
    *,
    min_body_voxels: int = 100,
    max_slice_thickness_mm: float = 3.0,
) -> VertebraMeasurement:
    """Heights, wedge angle, body volume and retropulsion of one vertebra.

    Parameters
    ----------
    voxels
        The vertebra's voxel indices (whole vertebra, or body only).
    geometry
        Affine and shape of the source volume; results are in patient mm.
    min_body_voxels
        Fewer body voxels than this make the level ``POOR``.
    max_slice_thickness_mm
        A voxel extent along the body axis above this makes the level ``POOR``.

    References
    ----------
    .. [1] Genant HK et al. J Bone Miner Res 1993;8:1137-48 (six-point heights).
    """
    points = geometry.to_mm(voxels.indices)
    name = voxels.structure
    if len(points) < MIN_FOOTPRINT_VOXELS * 3:
        reason = f"too few voxels: {len(points)}"
        return VertebraMeasurement(
            structure=name, issues=(Issue(quality=Quality.POOR, reason=reason),)
        )
    frame = _pca_frame(points)
    keep = np.ones(len(points), dtype=bool)
    six: SixPoints | None = None
    bulge_mm = 0.0
    centre = _centroid(points)
    for _ in range(FRAME_ROUNDS):
        if not voxels.body_only:
            q = _local(points, frame, centre)
            bin_mm = max(1.0, geometry.extent_along_mm(frame[0]))
            keep = _body_mask(q, bin_mm=bin_mm, slab_mm=max(3.0, bin_mm))
        six, bulge_mm = _six_points(points[keep], frame, geometry)
        if six is None:
            break
        frame = body_frame(six)
    issues = _issues(
        voxels.indices[keep],
        geometry,
        superior=frame[1],
        min_body_voxels=min_body_voxels,
        max_slice_thickness_mm=max_slice_thickness_mm,
    )
    volume_ml = float(keep.sum()) * geometry.voxel_volume_mm3 / 1000.0
    if six is None:
        issue = Issue(quality=Quality.POOR, reason="no body under a height station")
        return VertebraMeasurement(structure=name, volume_ml=volume_ml, issues=(*issues, issue))
    a, m, p = heights_mm(six)
    return VertebraMeasurement(
        structure=name,
        points=six,
        anterior_height_mm=a,
        middle_height_mm=m,
        posterior_height_mm=p,
        wedge_angle_deg=wedge_angle_deg(six),
        volume_ml=volume_ml,
        retropulsion_mm=bulge_mm,
        issues=issues,
    )
