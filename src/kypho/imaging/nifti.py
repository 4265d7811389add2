"""Load a NIfTI label volume with every check done before the data is decompressed.

The only module that opens NIfTI files. Errors name the file, what was expected and
what was found; they are ``InvalidInput``/``ImageGeometryError``, so the CLI exits 2.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.morphometry.voxels import VolumeGeometry

DEFAULT_MAX_VOXELS = 2_000_000_000
_CARET_LABEL = re.compile(r'<Label Key="(\d+)"[^>]*>\s*<!\[CDATA\[([^\]]*)\]\]>')
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError, nib.filebasedimages.ImageFileError)


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelImage:
    """An integer label volume, its geometry and any label names from the header."""

    path: Path
    labels: NDArray[np.integer]
    geometry: VolumeGeometry
    header_names: dict[int, str]


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence nibabel's warnings and header-fix log lines: our checks report instead."""
    log = nib.imageglobals.logger
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def _open(path: Path) -> nib.Nifti1Image:
    if not path.is_file():
        raise InvalidInput(f"{path}: expected a NIfTI file (.nii, .nii.gz), found no such file")
    try:
        with _quiet():
            image = nib.load(path)
    except _READ_ERRORS as err:
        raise InvalidInput(
            f"{path}: expected a NIfTI image (.nii, .nii.gz), could not read one: {err}"
        ) from err
    if not isinstance(image, nib.Nifti1Image | nib.Nifti2Image):
        raise InvalidInput(f"{path}: expected a NIfTI image, found {type(image).__name__}")
    return image


def _shape(path: Path, image: nib.Nifti1Image, max_voxels: int) -> tuple[int, int, int]:
    shape = tuple(int(n) for n in image.shape)
    if len(shape) == 4 and shape[3] == 1:
        shape = shape[:3]
    if len(shape) != 3:
        raise ImageGeometryError(
            f"{path}: expected a 3-D label volume, found {len(shape)}-D shape {shape}"
        )
    voxels = math.prod(shape)
    if voxels > max_voxels:
        raise ImageGeometryError(
            f"{path}: header declares {voxels:,} voxels {shape}, above the limit of "
            f"{max_voxels:,}; raise max_voxels if this is intended"
        )
    if voxels == 0:
        raise ImageGeometryError(f"{path}: expected a non-empty volume, found shape {shape}")
    return shape[0], shape[1], shape[2]


def _raw_pixdim(path: Path, image: nib.Nifti1Image) -> list[float]:
    """pixdim[1:4] as stored: nibabel silently turns 0 into 1 and negatives positive."""
    try:
        header_class: Any = type(image.header)
        with _quiet(), nib.openers.ImageOpener(str(path)) as fobj:
            raw = header_class.from_fileobj(fobj, check=False)
    except _READ_ERRORS as err:
        raise InvalidInput(f"{path}: expected a NIfTI header, could not read one: {err}") from err
    return [float(z) for z in raw["pixdim"][1:4]]


def _affine(path: Path, image: nib.Nifti1Image) -> NDArray[np.float64]:
    zooms = _raw_pixdim(path, image)
    affine = np.asarray(image.affine, dtype=np.float64)
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    bad = [z for z in (*zooms, *spacing) if not math.isfinite(z) or z <= 0]
    if bad or not np.isfinite(affine).all() or abs(np.linalg.det(affine[:3, :3])) < 1e-9:
        raise ImageGeometryError(
            f"{path}: expected voxel spacing > 0 mm, found pixdim {zooms} and affine spacing "
            f"{[round(float(s), 4) for s in spacing]}"
        )
    return affine


def _integer_labels(path: Path, data: Any) -> Any:
    if np.issubdtype(data.dtype, np.integer):
        if data.dtype.kind == "i" and data.size and int(data.min()) < 0:
            raise InvalidInput(f"{path}: expected label values >= 0, found {int(data.min())}")
        return data.astype(np.uint8) if data.dtype.itemsize > 1 and int(data.max()) < 256 else data
    if not np.issubdtype(data.dtype, np.floating):
        raise InvalidInput(f"{path}: expected integer labels, found data type {data.dtype}")
    rounded = np.rint(data)
    off = ~np.isfinite(data) | (rounded != data) | (data < 0)
    if off.any():
        raise InvalidInput(
            f"{path}: expected whole-number labels >= 0, found {data[off].flat[0]!r} "
            f"(is this an image rather than a segmentation?)"
        )
    top = float(rounded.max()) if rounded.size else 0.0
    return rounded.astype(np.uint8 if top < 256 else np.uint16 if top < 65536 else np.int32)


def _read(path: Path, image: nib.Nifti1Image) -> NDArray[np.generic]:
    proxy: Any = image.dataobj
    slope, inter = proxy.slope, proxy.inter
    identity = (slope in (1.0, None) or not np.isfinite(slope)) and (
        inter in (0.0, None) or not np.isfinite(inter)
    )
    try:
        with _quiet():
            data = proxy.get_unscaled() if identity else np.asanyarray(proxy)
    except _READ_ERRORS as err:
        raise InvalidInput(
            f"{path}: expected complete NIfTI voxel data, found a truncated or corrupt file: {err}"
        ) from err
    return np.asarray(data.reshape(data.shape[:3], order="A"))


def header_label_names(image: nib.Nifti1Image) -> dict[int, str]:
    """Label names from a Caret/GIfTI-style XML header extension (TotalSegmentator)."""
    names: dict[int, str] = {}
    for extension in image.header.extensions:
        content = extension.get_content()
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        names.update({int(k): v.strip() for k, v in _CARET_LABEL.findall(text)})
    return names


def load_labels(path: Path, *, max_voxels: int = DEFAULT_MAX_VOXELS) -> LabelImage:
    """Read a 3-D integer label volume, checking size and geometry before decompressing.

    Parameters
    ----------
    path
        A ``.nii`` or ``.nii.gz`` file.
    max_voxels
        Refuse a header declaring more voxels than this (checked before reading data).
    """
    image = _open(path)
    shape = _shape(path, image, max_voxels)
    affine = _affine(path, image)
    labels = _integer_labels(path, _read(path, image))
    return LabelImage(
        path=path,
        labels=labels,
        geometry=VolumeGeometry(affine=affine, shape=shape),
        header_names=header_label_names(image),
    )
