"""Where each height station reads its endplate levels: windows along the body's depth.

A station's window is the band of surface samples whose levels, carried to the station
along the fitted endplate plane, give the endplate's level there (``endplates.level_at``).
Windows are wide at the rims to average voxel steps on a sloping endplate and narrow in
the middle to keep a concavity. At a wall (``Stations.WALLS``) the window holds samples
on its inner side only.
"""

from __future__ import annotations

from kypho.morphometry.endplates import GatedSurface, Plane, Surface, plane_samples
from kypho.morphometry.types import Stations

# Half-width of each station's footprint, as a fraction of depth: wide at the walls to
# average voxel steps on a sloping endplate, narrow at the middle to keep a concavity.
STATION_WINDOWS = (0.10, 0.02, 0.10)
WALL_WINDOW_WIDEST = 0.25  # of depth: how far in a wall's window may reach (see above)
WALL_WINDOW_VOXELS = 2.0  # a wall station's window reaches at least this many voxels in


def station_halves(stations_at: Stations, *, ext_u_mm: float, depth_mm: float) -> list[float]:
    """Half-width of each station's window (mm along the depth).

    A window at a wall holds samples on its inner side only, and the outermost grid
    column lies up to one voxel inside the wall: it reaches ``WALL_WINDOW_VOXELS`` voxels
    in, so that it holds at least two columns of samples (at 3 mm, one column was
    sometimes empty after the plane gate).
    """
    halves = []
    for fraction, w in zip(stations_at.depth_fractions, STATION_WINDOWS, strict=True):
        least = WALL_WINDOW_VOXELS * ext_u_mm if fraction in (0.0, 1.0) else ext_u_mm / 2
        halves.append(max(least, w * depth_mm))
    return halves


def station_levels(
    surfaces: tuple[Surface, Surface],
    planes: tuple[Plane, Plane],
    *,
    stations: list[float],
    half_u_mm: list[float],
    half_v_mm: float,
    gate_mm: float,
    wider_mm: float | None = None,
) -> list[tuple[float, float]] | None:
    """(superior, inferior) endplate ``w`` at each station; ``None`` if one has no sample.

    ``wider_mm``: the half-width a wall station's window may grow to when it has none.
    """
    # Gated once per endplate: each station's window then searches only these samples.
    gated = [
        plane_samples(s, p, half_v_mm=half_v_mm, max_residual_mm=gate_mm)
        for s, p in zip(surfaces, planes, strict=True)
    ]
    out = []
    for k, (station, half_u) in enumerate(zip(stations, half_u_mm, strict=True)):
        wider = None if k == 1 else wider_mm  # the middle keeps its narrow window
        found = [
            _level_in_window(s, u_mm=station, half_u_mm=half_u, outward=outward, wider_mm=wider)
            for s, outward in zip(gated, (1, -1), strict=True)
        ]
        if found[0] is None or found[1] is None:
            return None
        out.append((found[0], found[1]))
    return out


def _level_in_window(
    surface: GatedSurface,
    *,
    u_mm: float,
    half_u_mm: float,
    outward: int,
    wider_mm: float | None,
) -> float | None:
    """``level_at`` in the station's window; at a wall, once more in ``wider_mm``.

    A rounded or bevelled corner can leave every sample near a wall beyond the plane's
    gate (the real L5 of the 3 mm TotalSegmentator example, anterior-inferior corner):
    the six-point corner then lies where the endplate proper meets the wall, so the
    window reaches further in.
    """
    for half in (half_u_mm, wider_mm):
        if half is None or half < half_u_mm:
            continue
        level = surface.level(u_mm=u_mm, half_u_mm=half, outward=outward)
        if level is not None:
            return level
    return None
