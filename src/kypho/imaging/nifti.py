"""Load a NIfTI label volume with every check done before the data is decompressed.

The only module that opens NIfTI files. Errors name the file, what was expected and
what was found; they are ``InvalidInput``/``ImageGeometryError``, so the CLI exits 2.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.volume import check_shape, checked_affine, integer_labels
from kypho.morphometry.voxels import VolumeGeometry

DEFAULT_MAX_VOXELS = 512 * 512 * 2048  # as kypho.config.Settings.max_image_voxels
DEFAULT_MAX_FILE_BYTES = 2_000_000_000  # as kypho.config.Settings.max_image_file_bytes
NIBABEL_ERROR_LEVEL = 40  # header problems nibabel rates ERROR or worse raise (its default)
_HEADER_CLASSES: dict[int, Any] = {348: nib.Nifti1Header, 540: nib.Nifti2Header}
_CARET_LABEL = re.compile(r'<Label Key="(\d+)"[^>]*>\s*<!\[CDATA\[([^\]]*)\]\]>')
_READ_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    struct.error,
    nib.filebasedimages.ImageFileError,
    nib.spatialimages.HeaderDataError,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelImage:
    """An integer label volume, its geometry and any label names from the header."""

    path: Path
    labels: NDArray[np.integer]
    geometry: VolumeGeometry
    header_names: dict[int, str]


class _HeaderReports:
    """Receives nibabel's header-check messages for one read (``check_fix(logger=...)``).

    nibabel logs what it fixes through a module-level logger unless it is handed another
    object with a ``log`` method; this one is local to the read, so nothing global (a
    logger's level, a warnings filter) is changed. Our own checks report to the user.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    def log(self, level: int, message: str, *args: object) -> None:
        self.messages.append((level, message % args if args else message))


def _header_class(path: Path, sizeof_hdr: bytes) -> Any:
    """NIfTI-1 or NIfTI-2 by the header size field (either byte order)."""
    for order in ("<", ">"):
        size = struct.unpack(f"{order}i", sizeof_hdr)[0]
        if size in _HEADER_CLASSES:
            return _HEADER_CLASSES[size]
    raise InvalidInput(
        f"{path}: expected a NIfTI image (.nii, .nii.gz), found no NIfTI header "
        f"(first bytes {sizeof_hdr!r})"
    )


def _open(path: Path) -> tuple[Any, list[float]]:
    """The checked header and pixdim[1:4] as stored (before nibabel's fixes)."""
    if not path.is_file():
        raise InvalidInput(f"{path}: expected a NIfTI file (.nii, .nii.gz), found no such file")
    try:
        with nib.openers.ImageOpener(str(path)) as fobj:
            header_class = _header_class(path, fobj.read(4))
            fobj.seek(0)
            header = header_class.from_fileobj(fobj, check=False)
        # pixdim as stored: the checks below turn 0 into 1 and negatives positive.
        raw_pixdim = [float(z) for z in header["pixdim"][1:4]]
        magic = bytes(header["magic"].item())
        if magic[:3] not in (b"n+1", b"n+2"):
            raise InvalidInput(
                f"{path}: expected a single-file NIfTI image, found magic {magic!r} "
                "(a .hdr/.img pair or an Analyze file)"
            )
        header.check_fix(logger=_HeaderReports(), error_level=NIBABEL_ERROR_LEVEL)
    except InvalidInput:
        raise
    except _READ_ERRORS as err:
        raise InvalidInput(
            f"{path}: expected a NIfTI image (.nii, .nii.gz), could not read one: {err}"
        ) from err
    return header, raw_pixdim


def _check_file_bytes(path: Path, header: Any, shape: tuple[int, ...], max_bytes: int) -> None:
    """Refuse a file, or the data its header declares, larger than ``max_bytes``."""
    declared = int(header.get_data_offset()) + math.prod(shape) * header.get_data_dtype().itemsize
    for what, size in (("is", path.stat().st_size), ("declares", declared)):
        if size > max_bytes:
            raise ImageGeometryError(
                f"{path}: the file {what} {size:,} bytes (decompressed), above the limit of "
                f"{max_bytes:,}; raise max_image_file_bytes if this is intended"
            )


def _read(path: Path, header: Any) -> NDArray[np.generic]:
    make_proxy: Any = nib.arrayproxy.ArrayProxy  # untyped: called through Any
    proxy: Any = make_proxy(str(path), header.copy())
    slope, inter = proxy.slope, proxy.inter
    identity = (slope in (1.0, None) or not np.isfinite(slope)) and (
        inter in (0.0, None) or not np.isfinite(inter)
    )
    try:
        data = proxy.get_unscaled() if identity else np.asanyarray(proxy)
    except _READ_ERRORS as err:
        raise InvalidInput(
            f"{path}: expected complete NIfTI voxel data, found a truncated or corrupt file: {err}"
        ) from err
    return np.asarray(data.reshape(data.shape[:3], order="A"))


def header_label_names(header: Any) -> dict[int, str]:
    """Label names from a Caret/GIfTI-style XML header extension (TotalSegmentator)."""
    names: dict[int, str] = {}
    for extension in header.extensions:
        content = extension.get_content()
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        names.update({int(k): v.strip() for k, v in _CARET_LABEL.findall(text)})
    return names


def load_labels(
    path: Path,
    *,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> LabelImage:
    """Read a 3-D integer label volume, checking size and geometry before decompressing.

    Parameters
    ----------
    path
        A ``.nii`` or ``.nii.gz`` file.
    max_voxels
        Refuse a header declaring more voxels than this (checked before reading data).
    max_file_bytes
        Refuse a file larger than this, or one whose header declares more data than this
        once decompressed (checked before reading data).
    """
    header, raw_pixdim = _open(path)
    shape = check_shape(path, header.get_data_shape(), max_voxels)
    _check_file_bytes(path, header, shape, max_file_bytes)
    affine = checked_affine(path, header.get_best_affine(), stored_spacing_mm=raw_pixdim)
    labels = integer_labels(path, _read(path, header))
    return LabelImage(
        path=path,
        labels=labels,
        geometry=VolumeGeometry(affine=affine, shape=shape),
        header_names=header_label_names(header),
    )
