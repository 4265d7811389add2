"""A label volume already in memory: its checks, its geometry and its measurement.

No file is opened here (``nifti`` reads files): a caller holding an array and its
geometry (the web app, the screener, a test) measures it as the CLI measures a file.
``where`` names the input in every message (a path, or what the caller calls the array).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.layouts import Layout, label_names, layout_from_labels
from kypho.morphometry.levels import measure_levels
from kypho.morphometry.types import DEFAULT_STATIONS, SpineMeasurement, Stations
from kypho.morphometry.voxels import LabelIndex, VertebraVoxels, VolumeGeometry

MAX_FLOAT_LABEL = 2.0**53  # floats above are not exact integers (IEEE 754 binary64)
LABEL_CHUNK = 1 << 22  # values checked per step: bounds the temporaries of the check


def smallest_label_type(top: int) -> type[np.integer]:
    """The narrowest type for labels 0..``top``: uint8, uint16, int64, uint64."""
    if top >= 2**63:
        return np.uint64
    return np.uint8 if top < 256 else np.uint16 if top < 65536 else np.int64


def label_top(where: object, values: Any) -> int:
    """The largest of integer or whole-number float labels, refusing any other value."""
    if not values.size:
        return 0
    if np.issubdtype(values.dtype, np.integer):
        if values.dtype.kind == "i" and int(values.min()) < 0:
            raise InvalidInput(f"{where}: expected label values >= 0, found {int(values.min())}")
        return int(values.max())
    return _whole_top(where, values)


def _whole_top(where: object, flat: Any) -> int:
    """The largest value of a float array, refusing one that is not a whole number >= 0."""
    top = 0.0
    for start in range(0, flat.size, LABEL_CHUNK):
        part = flat[start : start + LABEL_CHUNK]
        off = ~np.isfinite(part) | (np.rint(part) != part) | (part < 0) | (part > MAX_FLOAT_LABEL)
        if off.any():
            raise InvalidInput(
                f"{where}: expected whole-number labels from 0 to 2^53, found "
                f"{float(part[off][0])!r} "
                f"(is this an image rather than a segmentation?)"
            )
        top = max(top, float(part.max()))
    return int(top)


def integer_labels(where: object, data: Any) -> Any:
    """``data`` as non-negative integer labels (whole-number floats converted), else refuse.

    Checked and converted in chunks: the extra memory is the (smaller) output array.
    """
    if data.size and np.issubdtype(data.dtype, np.integer):
        target = smallest_label_type(label_top(where, data))
        return data.astype(target) if np.dtype(target).itemsize < data.dtype.itemsize else data
    if np.issubdtype(data.dtype, np.integer):
        return data
    if not np.issubdtype(data.dtype, np.floating):
        raise InvalidInput(f"{where}: expected integer labels, found data type {data.dtype}")
    order: Literal["F", "C"] = (
        "F" if data.flags.f_contiguous and not data.flags.c_contiguous else "C"
    )
    flat = data.reshape(-1, order=order)
    target = smallest_label_type(_whole_top(where, flat))
    out = np.empty(flat.size, dtype=target)
    for start in range(0, flat.size, LABEL_CHUNK):
        out[start : start + LABEL_CHUNK] = flat[start : start + LABEL_CHUNK]
    return out.reshape(data.shape, order=order)


def check_shape(where: object, shape: Sequence[int], max_voxels: int) -> tuple[int, int, int]:
    """A 3-D, non-empty shape of at most ``max_voxels`` voxels (a trailing 1 dropped)."""
    dims = tuple(int(n) for n in shape)
    if len(dims) == 4 and dims[3] == 1:
        dims = dims[:3]
    if len(dims) != 3:
        raise ImageGeometryError(
            f"{where}: expected a 3-D label volume, found {len(dims)}-D shape {dims}"
        )
    voxels = math.prod(dims)
    if voxels > max_voxels:
        raise ImageGeometryError(
            f"{where}: {voxels:,} voxels {dims}, above the limit of {max_voxels:,}; "
            "raise max_image_voxels if this is intended"
        )
    if voxels == 0:
        raise ImageGeometryError(f"{where}: expected a non-empty volume, found shape {dims}")
    return dims[0], dims[1], dims[2]


def checked_affine(
    where: object, affine: Any, *, stored_spacing_mm: Sequence[float] = ()
) -> NDArray[np.float64]:
    """A finite, non-singular 4 x 4 voxel-to-RAS+ mm affine with spacing > 0 mm."""
    matrix = np.asarray(affine, dtype=np.float64)
    if matrix.shape != (4, 4):
        raise ImageGeometryError(f"{where}: expected a 4 x 4 affine, found shape {matrix.shape}")
    with np.errstate(over="ignore", invalid="ignore"):  # huge entries: refused below
        spacing = np.linalg.norm(matrix[:3, :3], axis=0)
        singular = not np.isfinite(matrix).all() or abs(np.linalg.det(matrix[:3, :3])) < 1e-9
    bad = [z for z in (*stored_spacing_mm, *spacing) if not math.isfinite(z) or z <= 0]
    if bad or singular:
        stored = f"pixdim {list(stored_spacing_mm)} and " if stored_spacing_mm else ""
        raise ImageGeometryError(
            f"{where}: expected a finite voxel spacing > 0 mm, found {stored}affine spacing "
            f"{[round(float(s), 4) for s in spacing]}"
        )
    return matrix


def measure_pairs(
    where: object,
    pairs: Sequence[tuple[VertebraVoxels, VolumeGeometry]],
    *,
    layout: Layout,
    max_slice_thickness_mm: float,
    stations: Stations = DEFAULT_STATIONS,
) -> SpineMeasurement:
    """Measure and grade each vertebra at ``stations``; a bad level is ``POOR``, never raised."""
    if not pairs:
        raise InvalidInput(f"{where}: expected at least one vertebra, found an empty mask")
    return measure_levels(
        pairs,
        layout=layout.value,
        stations=stations,
        max_slice_thickness_mm=max_slice_thickness_mm,
    )


def measure_volume(
    where: object,
    labels: NDArray[np.integer],
    geometry: VolumeGeometry,
    *,
    layout: Layout | None = None,
    header_names: Mapping[int, str] | None = None,
    body: NDArray[np.bool_] | None = None,
    max_slice_thickness_mm: float = 3.0,
    stations: Stations = DEFAULT_STATIONS,
) -> SpineMeasurement:
    """Measure every vertebra of a checked label array (``body``: same shape, bodies only).

    ``stations``: where the heights are read (``Stations``; ``DEFAULT_STATIONS`` unless
    the caller says).
    """
    names_in_header = dict(header_names or {})
    if layout is None:
        top = int(labels.max())
        layout = layout_from_labels(where, max_label=top, header_names=names_in_header)
    names = label_names(layout, names_in_header)
    index = LabelIndex(labels, wanted=names)
    found = [index.voxels(k, v, body=body) for k, v in sorted(names.items())]
    kept = [v for v in found if v is not None]
    if not kept:
        raise InvalidInput(
            f"{where}: expected vertebra labels of layout {layout.value}, found labels "
            f"{list(index.present)[:20]}; try --layout"
        )
    pairs = [(v, geometry) for v in kept]
    return measure_pairs(
        where,
        pairs,
        layout=layout,
        max_slice_thickness_mm=max_slice_thickness_mm,
        stations=stations,
    )
