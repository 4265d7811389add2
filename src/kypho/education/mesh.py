"""Surface meshes of vertebrae from a label mask, in the patient's own geometry (mm, RAS+).

Marching cubes (scikit-image, Lewiner) on the label's mask, lightly blurred (a Gaussian
of ``BLUR_VOXELS``) so the surface falls between voxel centres where the morphometry
counts them, at the 0.5 iso-level; the vertices go through the NIfTI affine into mm.
The triangle count is bounded by sampling the field every ``step`` voxels, the smallest
step that keeps the count within the budget: marching cubes on a zero-padded field
always gives a closed surface, whereas quadric decimation (fast-simplification) of the
fine surface pinched one in four phantom meshes (edges shared by four faces). Taubin
smoothing (trimesh) then takes the steps off without shrinking the body. The largest
connected part is kept (stray voxels of a label are dropped); it must be closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.errors import InvalidInput

Floats = NDArray[np.float64]
Faces = NDArray[np.int64]

MAX_TRIANGLES_PER_VERTEBRA = 8000  # three of these turn smoothly in a browser (convention)
MAX_STEP_VOXELS = 8  # coarsest sampling tried before the budget is called too small
BLUR_VOXELS = 0.8  # Gaussian sigma: sub-voxel surface, edges kept
TAUBIN_ITERATIONS = 10  # trimesh defaults lamb 0.5, nu 0.5 (Taubin 1995 band-pass)
MARGIN_VOXELS = 4  # zero padding round a label: the blurred field is ~0 at the border


@dataclass(frozen=True, slots=True, kw_only=True)
class Mesh:
    """A triangle mesh: vertices (N, 3) in mm (RAS+), faces (M, 3) vertex indices."""

    structure: str
    vertices: Floats
    faces: Faces

    @property
    def triangles(self) -> int:
        return int(self.faces.shape[0])

    def moved(self, vertices: Floats) -> Mesh:
        """The same faces on new vertex positions."""
        return Mesh(structure=self.structure, vertices=vertices, faces=self.faces)


def _field(mask: NDArray[np.bool_]) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The blurred, padded mask in its bounding box, and the voxel index of its corner."""
    from scipy.ndimage import gaussian_filter

    hit = np.argwhere(mask)
    lo, hi = hit.min(axis=0), hit.max(axis=0) + 1
    box = np.pad(mask[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]], MARGIN_VOXELS)
    return gaussian_filter(box.astype(np.float32), BLUR_VOXELS), lo - MARGIN_VOXELS


def marching_cubes_mm(
    mask: NDArray[np.bool_], affine: Floats, *, max_triangles: int, structure: str = "mask"
) -> tuple[Floats, Faces, int]:
    """The iso-surface of ``mask`` within ``max_triangles``: vertices (mm), faces, step."""
    from skimage.measure import marching_cubes

    field, corner = _field(mask)
    for step in range(1, MAX_STEP_VOXELS + 1):
        verts, faces, _, _ = marching_cubes(field, level=0.5, step_size=step)  # type: ignore[no-untyped-call]
        if len(faces) <= max_triangles:
            break
    else:
        raise InvalidInput(
            f"{structure}: expected a surface within {max_triangles} triangles, found more "
            f"even sampling every {MAX_STEP_VOXELS} voxels; raise max_triangles"
        )
    ijk = verts.astype(np.float64) + corner
    mm = ijk @ affine[:3, :3].T + affine[:3, 3]
    return mm, faces.astype(np.int64), step


def vertebra_mesh(
    mask: NDArray[np.bool_],
    affine: Floats,
    *,
    structure: str,
    max_triangles: int = MAX_TRIANGLES_PER_VERTEBRA,
) -> Mesh:
    """A smoothed, closed mesh of one vertebra's mask, at most ``max_triangles``."""
    import trimesh

    if not mask.any():
        raise InvalidInput(f"{structure}: expected labelled voxels in the mask, found none")
    verts, faces, _ = marching_cubes_mm(
        mask, affine, max_triangles=max_triangles, structure=structure
    )
    surface = _largest_closed_part(trimesh.Trimesh(verts, faces, process=True), structure)
    if surface.volume < 0:  # faces wound inwards (marching cubes' order, or a mirrored grid)
        surface.invert()
    trimesh.smoothing.filter_taubin(surface, iterations=TAUBIN_ITERATIONS)  # type: ignore[no-untyped-call]
    return Mesh(
        structure=structure,
        vertices=np.asarray(surface.vertices, dtype=np.float64),
        faces=np.asarray(surface.faces, dtype=np.int64),
    )


def _largest_closed_part(surface: Any, structure: str) -> Any:
    """The largest connected part, which must be closed."""
    parts = surface.split(only_watertight=False)
    largest = max(parts, key=lambda p: len(p.faces))
    if not largest.is_watertight:
        raise InvalidInput(f"{structure}: expected a closed surface from the mask, found holes")
    return largest


def for_drawing(mesh: Mesh, max_triangles: int) -> Mesh:
    """``mesh`` decimated to ``max_triangles`` (quadric, fast-simplification) for the GIF.

    Not checked for closure: the decimator may pinch an edge, which a 480 x 360 picture
    cannot show; the page and every measurement use the closed mesh.
    """
    import fast_simplification  # type: ignore[import-untyped]

    if mesh.triangles <= max_triangles:
        return mesh
    v, f = fast_simplification.simplify(
        mesh.vertices, mesh.faces, target_reduction=1.0 - max_triangles / mesh.triangles
    )
    return Mesh(
        structure=mesh.structure,
        vertices=np.asarray(v, np.float64),
        faces=np.asarray(f, np.int64),
    )
