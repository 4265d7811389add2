"""One vertebra from its voxels: body separation, six points, volume, retropulsion.

Method: a first frame from principal axes (the body is lower than it is wide or deep),
then three rounds of (separate the body at the spinal canal along the mid-sagittal
line; fit a plane to each endplate's surface samples; read each endplate's level at
the stations; re-derive the frame as the planes' bisector). See ``endplates`` for the
samples, fits and levels. Stations (``Stations``) lie at the anterior and posterior walls
and the middle (six-point morphometry), or at 15 %, 50 % and 85 % of the body's depth
from the anterior wall (as TotalSegmentator's spine report does). At a wall the
station's window holds samples on its inner side only; each is carried to the wall
along the fitted endplate plane (``endplates.level_at``). The wedge angle is the
angle between the planes, trusted at 1.5 mm sampling or finer and flagged with its
doubt beyond (``wedge_angle_doubt_deg``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kypho.morphometry.endplates import (
    FIT_INNER_FRACTION,
    FIT_LATERAL_FRACTION,
    Surface,
    box_surfaces,
    fit_plane,
    rim_plane,
    sampling_axis,
)
from kypho.morphometry.sixpoint import Frame, heights_mm
from kypho.morphometry.station_windows import WALL_WINDOW_WIDEST, station_halves, station_levels
from kypho.morphometry.types import (
    DEFAULT_STATIONS,
    Endplate,
    Issue,
    Quality,
    SixPoints,
    Stations,
    VertebraMeasurement,
)
from kypho.morphometry.voxels import MAX_VERTEBRA_VOXELS, VertebraVoxels, VolumeGeometry

Floats = NDArray[np.float64]
MIN_FOOTPRINT_VOXELS = 3
CANAL_GAP_MM = 4.0  # an empty run this long on the midline marks the spinal canal
FRAME_ROUNDS = 3
# A wedge angle is trusted when the body axis is sampled at 1.5 mm or finer: on phantoms
# (tests/morphometry/test_body.py, random sagittal tilts to 25 deg and coronal to 10 deg)
# wedge angles then stayed within 2.7 deg, inside the morphometry issue's 3 deg target
# and well inside manual readers' intra-observer interval for kyphosis angles (+-7.1 to
# 9.3 deg, Alanay et al., clinical reference 3.3). Coarser sampling erred up to 4.9 deg
# at 2 mm, 5.1 at 2.5 mm and 6.1 at 3 mm, hence a doubt of 2.5 deg per mm of sampling.
# PROJECT MEASUREMENTS, not published figures.
WEDGE_ANGLE_MAX_SLICE_MM = 1.5
WEDGE_DOUBT_DEG_PER_MM = 2.5


def _centroid(points_mm: Floats) -> Floats:
    # A matrix-vector product: about 9x faster than ``mean(axis=0)`` on (N, 3) arrays.
    return np.asarray(np.ones(len(points_mm)) @ points_mm / len(points_mm))


def _mean(values: Floats) -> float:
    # ``values.mean()``'s own sum and division, less about 20 us of Python a call.
    return float(np.add.reduce(values) / len(values))


MIN_AXIS_NORM = 1e-3  # an anterior axis shorter than this is undefined (project convention)


def _pca_frame(centred_mm: Floats) -> Frame:
    """The first frame from the points less their centroid, (3, N) rows x, y, z."""
    cov = centred_mm @ centred_mm.T
    superior = np.linalg.eigh(cov)[1][:, 0]
    superior = superior if superior[2] >= 0 else -superior
    anterior = np.array([0.0, 1.0, 0.0]) - superior[1] * superior
    length = float(np.linalg.norm(anterior))
    if length < MIN_AXIS_NORM:
        # The thinnest axis points anterior-posterior: no body shape to take a frame from.
        raise ValueError("the mask is thinnest front to back: not the shape of a vertebral body")
    return anterior / length, superior


def _axes(frame: Frame) -> Floats:
    """Columns: the frame's anterior, lateral and superior unit vectors (patient mm).

    The lateral axis is ``np.cross(superior, anterior)`` written out (the same products
    in the same order, so the same bits): ``np.cross`` costs about 40 us a call.
    """
    a0, a1, a2 = (float(x) for x in frame[0])
    s0, s1, s2 = (float(x) for x in frame[1])
    lateral = (s1 * a2 - s2 * a1, s2 * a0 - s0 * a2, s0 * a1 - s1 * a0)
    return np.array([[a0, lateral[0], s0], [a1, lateral[1], s1], [a2, lateral[2], s2]])


class _Vertebra:
    """A vertebra's voxels in patient mm, held both ways round for the rounds' passes.

    ``points`` (N, 3) gives the centroids and the first frame exactly as measured before;
    ``centred`` (3, N) rows x, y, z are the points less their centroid: local coordinates
    are then ``axes.T @ centred`` (3, N), the same values as ``(points - centre) @ axes``
    with contiguous rows to reduce and select on (an (N, 3) column is strided, and a
    boolean selection of (N, 3) rows costs about 5x a row's). ``flat``: each voxel's
    place in the vertebra's bounding box, to draw a body's voxels into that box.
    """

    def __init__(self, voxels: VertebraVoxels, geometry: VolumeGeometry) -> None:
        by_axis = voxels.by_axis
        if by_axis is None:
            by_axis = np.ascontiguousarray(voxels.indices.T)
        # ``geometry.to_mm`` with the rows contiguous: the same values, the offset added
        # along rows (adding a (3,) offset to (N, 3) rows costs about 6x).
        self.rows = geometry.affine[:3, :3] @ by_axis.astype(np.float64)
        self.rows += geometry.affine[:3, 3:4]
        self.points = np.ascontiguousarray(self.rows.T)
        self.centre = _centroid(self.points)
        self.centred = self.rows - self.centre[:, None]
        self.index_rows = by_axis
        self.lo = by_axis.min(axis=1)
        self.box_shape = tuple(int(n) for n in by_axis.max(axis=1) - self.lo + 1)
        rel = by_axis - self.lo[:, None]
        self.flat = (rel[0] * self.box_shape[1] + rel[1]) * self.box_shape[2] + rel[2]

    def body(self, keep: NDArray[np.bool_]) -> _Separated:
        take = np.flatnonzero(keep)
        origin = _centroid(self.points.take(take, axis=0))
        box = np.zeros(math.prod(self.box_shape), dtype=bool)
        box[self.flat[take]] = True
        return _Separated(
            keep=keep,
            take=take,
            origin=origin,
            centred=self.rows.take(take, axis=1) - origin[:, None],
            box=box.reshape(self.box_shape),
            lo=self.lo,
        )


class _Separated:
    """A separated body (``keep`` of the vertebra's voxels), centred on its own centroid.

    Its endplate samples depend on the frame only through the sampling axis, so they
    are drawn once per axis (``surfaces``) and reused while the body stays the same.
    """

    def __init__(
        self,
        *,
        keep: NDArray[np.bool_],
        take: NDArray[np.intp],
        origin: Floats,
        centred: Floats,
        box: NDArray[np.bool_],
        lo: NDArray[np.intp],
    ) -> None:
        self.keep, self.take, self.origin, self.centred = keep, take, origin, centred
        self._box, self._lo = box, lo
        self._surfaces: dict[tuple[int, bool], tuple[Floats, Floats, float]] = {}

    def surfaces(self, geometry: VolumeGeometry, superior: Floats) -> tuple[Floats, Floats, float]:
        """(superior, inferior) samples less ``origin``, (3, M) patient mm; the step (mm)."""
        axis = sampling_axis(geometry, superior)
        if axis not in self._surfaces:
            top, bottom, step = box_surfaces(self._box, self._lo, geometry, axis)
            top_rows = np.ascontiguousarray((top - self.origin).T)
            self._surfaces[axis] = (top_rows, np.ascontiguousarray((bottom - self.origin).T), step)
        return self._surfaces[axis]


def _body_mask(q: Floats, *, bin_mm: float, slab_mm: float) -> NDArray[np.bool_]:
    """Points anterior to the first midline gap (the spinal canal); all if none.

    ``q``: (3, N) local mm, rows u (anterior), v (lateral), w (superior).
    """
    u = q[0][np.abs(q[1]) < slab_mm]
    if u.size == 0:
        return np.ones(q.shape[1], dtype=bool)
    counts = np.bincount(((u.max() - u) / bin_mm).astype(np.intp))
    gap_bins = max(2, math.ceil(CANAL_GAP_MM / bin_mm))
    empty = np.convolve(counts == 0, np.ones(gap_bins, dtype=int), mode="valid") == gap_bins
    if not empty.any():
        return np.ones(q.shape[1], dtype=bool)
    return np.asarray(q[0] > u.max() - int(np.argmax(empty)) * bin_mm)


def _posterior_wall(
    mid_u: Floats, mid_w: Floats, ext_u: float, bin_mm: float
) -> tuple[float, float]:
    """(posterior wall position at the corners, largest bulge beyond it), local mm."""
    low, high = np.minimum.reduce(mid_w), np.maximum.reduce(mid_w)
    margin = 0.1 * (high - low)
    edges = np.arange(low + margin, high - margin, bin_mm)
    # ``np.digitize`` on rising edges, without its checks (about 40 us a call).
    which = np.searchsorted(edges, mid_w, side="right") - 1
    rows = (which >= 0) & (which < len(edges) - 1)
    back = np.full(max(len(edges) - 1, 0), np.inf)
    np.minimum.at(back, which[rows], mid_u[rows])
    ok = np.isfinite(back)
    if ok.sum() < 4:
        return float(mid_u.min() - ext_u / 2), 0.0
    w, b = edges[:-1][ok], back[ok] - ext_u / 2
    n = max(1, len(b) // 5)
    corners = (_mean(b[:n]), _mean(b[-n:]))
    line = np.interp(w, [_mean(w[:n]), _mean(w[-n:])], corners)
    return sum(corners) / 2, max(0.0, float((line - b).max()))


def _point(v: Floats) -> tuple[float, float, float]:
    return float(v[0]), float(v[1]), float(v[2])


@dataclass(frozen=True, slots=True)
class _Body:
    six: SixPoints
    wedge_angle_deg: float
    endplates: tuple[Endplate, Endplate]  # superior, inferior
    retropulsion_mm: float
    frame: Frame  # re-derived from the endplate planes, for the next round
    step_mm: float  # sampling step along the surface lines: each level within half of it


def _measure_body(
    body: _Separated,
    frame: Frame,
    axes: Floats,
    geometry: VolumeGeometry,
    stations_at: Stations,
) -> _Body | None:
    """Six points, wedge angle and retropulsion of a separated body; ``None`` if unmeasurable.

    ``axes``: ``_axes(frame)``.
    """
    anterior, superior = frame
    lateral = np.ascontiguousarray(axes[:, 1])
    origin = body.origin
    q = axes.T @ body.centred  # (3, N) local mm: rows u, v, w
    ext_u = geometry.extent_along_mm(anterior)
    half_v = max(4.0, geometry.extent_along_mm(lateral))
    in_mid = np.abs(q[1]) < half_v
    mid_u, mid_w = q[0][in_mid], q[2][in_mid]
    if len(mid_u) < MIN_FOOTPRINT_VOXELS:
        return None
    front = mid_u.max() + ext_u / 2
    back, bulge_mm = _posterior_wall(
        mid_u, mid_w, ext_u, max(1.0, geometry.extent_along_mm(superior))
    )
    depth = front - back
    top_mm, bottom_mm, step_mm = body.surfaces(geometry, superior)
    # (M, 3) views of (3, M) arrays: each column (u, v, w) contiguous for the fits.
    surfaces = (Surface((axes.T @ top_mm).T, step_mm), Surface((axes.T @ bottom_mm).T, step_mm))
    margin = (1 - FIT_INNER_FRACTION) / 2 * depth
    # Off-endplate samples (grid lines leaving through a wall) lie about half the body's
    # height from its plane; a concavity (a biconcave fracture's middle) within a third.
    gate_mm = max(2.0 * step_mm, 4.0, float(np.ptp(mid_w)) / 3)
    half_width = FIT_LATERAL_FRACTION * float(np.ptp(q[1])) / 2
    fitted = [
        fit_plane(
            s,
            u_range=(back + margin, front - margin),
            half_width_mm=half_width,
            max_residual_mm=gate_mm,
        )
        for s in surfaces
    ]
    if fitted[0] is None or fitted[1] is None:
        return None
    stations = [front - f * depth for f in stations_at.depth_fractions]
    levels = station_levels(
        surfaces,
        (fitted[0], fitted[1]),
        stations=stations,
        half_u_mm=station_halves(stations_at, ext_u_mm=ext_u, depth_mm=depth),
        half_v_mm=half_v,
        gate_mm=gate_mm,
        wider_mm=WALL_WINDOW_WIDEST * depth if stations_at is Stations.WALLS else None,
    )
    if levels is None:
        return None
    top_plane, bottom_plane = (
        p
        if p.planar
        else rim_plane(
            p,
            anterior=(stations[0], levels[0][k]),
            posterior=(stations[2], levels[2][k]),
            half_error_mm=step_mm / 2,
        )
        for k, p in enumerate((fitted[0], fitted[1]))
    )
    # The six points at once: the same products and sums, in the same order, as one a time.
    us = np.repeat(stations, 2)
    ws = np.array([w for pair in levels for w in pair])
    ends = origin + us[:, None] * anterior + ws[:, None] * superior
    six = SixPoints(
        superior_anterior_mm=_point(ends[0]),
        inferior_anterior_mm=_point(ends[1]),
        superior_middle_mm=_point(ends[2]),
        inferior_middle_mm=_point(ends[3]),
        superior_posterior_mm=_point(ends[4]),
        inferior_posterior_mm=_point(ends[5]),
    )
    wedge = math.degrees(math.atan(bottom_plane.slope_u) - math.atan(top_plane.slope_u))
    top, bottom = (
        Endplate(normal=_point(axes @ p.normal()), tilt_uncertainty_deg=p.tilt_uncertainty_deg())
        for p in (top_plane, bottom_plane)
    )
    normal = axes @ (top_plane.normal() + bottom_plane.normal())
    normal /= np.linalg.norm(normal)
    new_anterior = anterior - anterior.dot(normal) * normal
    new_frame = (new_anterior / np.linalg.norm(new_anterior), normal)
    return _Body(six, wedge, (top, bottom), bulge_mm, new_frame, step_mm)


def _separation(
    vertebra: _Vertebra, frame: Frame, geometry: VolumeGeometry, body_only: bool
) -> NDArray[np.bool_]:
    """Which of the vertebra's voxels are its body in ``frame`` (all when ``body_only``)."""
    if body_only:
        return np.ones(vertebra.centred.shape[1], dtype=bool)
    bin_mm = max(1.0, geometry.extent_along_mm(frame[0]))
    q = _axes(frame).T @ vertebra.centred
    return _body_mask(q, bin_mm=bin_mm, slab_mm=max(3.0, bin_mm))


def _touches_edge(index_rows: NDArray[np.intp], shape: tuple[int, int, int]) -> bool:
    """Whether voxels, (3, N) index rows i, j, k, reach the volume's edge."""
    axes = range(3) if index_rows.shape[1] else ()
    return any(index_rows[k].min() == 0 or index_rows[k].max() == shape[k] - 1 for k in axes)


def wedge_angle_doubt_deg(uncertainty_deg: float, sampling_mm: float) -> float | None:
    """How far from a wedge angle the truth may lie, or ``None`` when the angle is trusted.

    Trusted: the body axis sampled at ``WEDGE_ANGLE_MAX_SLICE_MM`` or finer. Otherwise the
    doubt is the larger of the endplates' tilt ranges (``uncertainty_deg``) and
    ``WEDGE_DOUBT_DEG_PER_MM`` per mm of sampling.
    """
    if sampling_mm <= WEDGE_ANGLE_MAX_SLICE_MM + 1e-6:
        return None
    return max(uncertainty_deg, WEDGE_DOUBT_DEG_PER_MM * sampling_mm)


def _wedge_issue(doubt_deg: float, sampling_mm: float) -> Issue:
    return Issue(
        quality=Quality.LIMITED,
        reason=f"wedge angle uncertain by up to +-{doubt_deg:.1f} deg: the endplates cross "
        f"too few {sampling_mm:.1f} mm slices to fix their tilt",
        shown_in_column=True,
    )


def _issues(
    body_rows: NDArray[np.intp],
    geometry: VolumeGeometry,
    *,
    superior: Floats,
    min_body_voxels: int,
    max_slice_thickness_mm: float,
) -> tuple[Issue, ...]:
    found: list[Issue] = []
    count = body_rows.shape[1]
    if _touches_edge(body_rows, geometry.shape):
        found.append(Issue(quality=Quality.POOR, reason="body cut by the image edge"))
    if count < min_body_voxels:
        found.append(
            Issue(
                quality=Quality.POOR,
                reason=f"too few voxels: {count} in the body, need {min_body_voxels}",
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


def _voxel_count_problem(voxels: VertebraVoxels) -> str:
    """Why a level has too few or too many voxels to measure ("" when it has neither)."""
    if voxels.too_many:
        return (
            f"too many voxels for one vertebra: {voxels.too_many:,}, above "
            f"{MAX_VERTEBRA_VOXELS:,} (a label covering more than a vertebra, or a grid finer "
            "than 0.4 mm: resample to measure)"
        )
    if len(voxels.indices) < MIN_FOOTPRINT_VOXELS * 3:
        return f"too few voxels: {len(voxels.indices)}"
    return ""


def measure_vertebra(
    voxels: VertebraVoxels,
    geometry: VolumeGeometry,
    *,
    min_body_voxels: int = 100,
    max_slice_thickness_mm: float = 3.0,
    stations: Stations = DEFAULT_STATIONS,
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
    stations
        Where the heights are read: ``Stations.WALLS`` (six-point convention,
        ``DEFAULT_STATIONS``, as everywhere in kypho) or ``Stations.TS_15_50_85``
        (TotalSegmentator's 15/50/85 % of depth).

    Each height is within one sampling step (``height_doubt_mm``) of the distance between
    the mask's surfaces: each endplate level is a mean of samples that lie within half a
    step of the surface (see ``endplates``). On the phantoms of
    ``tests/morphometry/test_body.py`` the worst error was 0.63 step (3 mm grid).

    References
    ----------
    .. [1] Genant HK et al. J Bone Miner Res 1993;8:1137-48 (six-point heights).
    """
    name = voxels.structure
    unmeasurable = _voxel_count_problem(voxels)
    if unmeasurable:
        issue = Issue(quality=Quality.POOR, reason=unmeasurable)
        return VertebraMeasurement(structure=name, issues=(issue,))
    vertebra = _Vertebra(voxels, geometry)
    frame = _pca_frame(vertebra.centred)
    separated = vertebra.body(_separation(vertebra, frame, geometry, voxels.body_only))
    body: _Body | None = None
    for round_ in range(FRAME_ROUNDS):
        if round_:
            keep = _separation(vertebra, frame, geometry, voxels.body_only)
            if not np.array_equal(keep, separated.keep):  # else the same body: reused
                separated = vertebra.body(keep)
        body = _measure_body(separated, frame, _axes(frame), geometry, stations)
        if body is None:
            break
        frame = body.frame
    keep = separated.keep
    issues = _issues(
        vertebra.index_rows.take(separated.take, axis=1),
        geometry,
        superior=frame[1],
        min_body_voxels=min_body_voxels,
        max_slice_thickness_mm=max_slice_thickness_mm,
    )
    volume_ml = float(keep.sum()) * geometry.voxel_volume_mm3 / 1000.0
    if body is None:
        issue = Issue(quality=Quality.POOR, reason="no body under a height station")
        return VertebraMeasurement(structure=name, volume_ml=volume_ml, issues=(*issues, issue))
    a, m, p = heights_mm(body.six)
    sampling_mm = geometry.resolution_along_mm(frame[1])
    uncertainty = sum(e.tilt_uncertainty_deg for e in body.endplates)
    doubt = wedge_angle_doubt_deg(uncertainty, sampling_mm)
    if doubt is not None:
        issues = (*issues, _wedge_issue(doubt, sampling_mm))
    return VertebraMeasurement(
        structure=name,
        points=body.six,
        anterior_height_mm=a,
        middle_height_mm=m,
        posterior_height_mm=p,
        wedge_angle_deg=body.wedge_angle_deg,
        volume_ml=volume_ml,
        retropulsion_mm=body.retropulsion_mm,
        superior_endplate=body.endplates[0],
        inferior_endplate=body.endplates[1],
        wedge_angle_doubt_deg=doubt,
        height_doubt_mm=body.step_mm,
        stations=stations,
        issues=issues,
    )
