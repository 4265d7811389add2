"""Read one CT series folder into a volume with its geometry, refusing what is unsafe.

Geometry comes from Image Position (Patient) (0020,0032) and Image Orientation (Patient)
(0020,0037), in DICOM's LPS frame, turned into the project's voxel-to-RAS+ affine
(``VolumeGeometry``): voxel (i, j, k) = (column, row, slice), slices ordered along the
slice normal. Refused, each with the file and the tag named: a file that is not DICOM,
not CT, several series or orientations, missing or duplicate slices, uneven spacing and
gantry tilt. Pixels are decoded by ``hu``.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.interop.dicom.hu import stack_hu
from kypho.interop.dicom.values import number, numbers, read_all, whole
from kypho.morphometry.voxels import VolumeGeometry

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
# Positions closer than this along the normal are the same slice (mm; project convention,
# far below any CT slice spacing).
DUPLICATE_POSITION_MM = 0.01
# Slice gaps may differ from their median by this fraction before the series is refused
# (DS values carry ~6 significant digits; project convention).
SPACING_TOLERANCE_FRACTION = 0.01
# Largest angle between the slice normal and the slice-to-slice direction (deg; project
# convention): beyond it the slices are sheared, as with gantry tilt.
MAX_SHEAR_DEG = 0.5
ORIENTATION_TOLERANCE = 1e-4  # direction cosines that differ by less are the same


@dataclass(frozen=True, slots=True, kw_only=True)
class CtSeries:
    """A checked CT series: headers and files in slice order, geometry, HU if read.

    ``hu`` has axes (column i, row j, slice k), as ``geometry`` maps them.
    """

    folder: Path
    files: tuple[Path, ...]
    headers: tuple[Dataset, ...]
    geometry: VolumeGeometry
    hu: NDArray[Any] | None = None

    @property
    def study_uid(self) -> str:
        return str(self.headers[0].get("StudyInstanceUID", ""))

    @property
    def series_uid(self) -> str:
        return str(self.headers[0].get("SeriesInstanceUID", ""))

    @property
    def frame_of_reference_uid(self) -> str:
        return str(self.headers[0].get("FrameOfReferenceUID", ""))

    @property
    def instance_uids(self) -> tuple[str, ...]:
        return tuple(str(h.get("SOPInstanceUID", "")) for h in self.headers)


def _read_header(path: Path, *, pixels: bool = False) -> Dataset:
    try:
        with warnings.catch_warnings():  # pydicom's on damaged files: refused below
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, stop_before_pixels=not pixels)
    except (InvalidDicomError, EOFError, OSError) as err:
        raise InvalidInput(f"{path}: expected a DICOM file (Part 10), found: {err}") from None
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - pydicom's parser fails in many ways on damage
        raise InvalidInput(
            f"{path}: expected a DICOM file (Part 10), found damaged data ({type(err).__name__})"
        ) from None
    return read_all(ds, path)


def _check_ct(ds: Dataset, path: Path) -> None:
    modality = str(ds.get("Modality", ""))
    if modality != "CT":
        raise InvalidInput(f"{path}: Modality (0008,0060): expected CT, found {modality!r}")
    meta = getattr(ds, "file_meta", None) or Dataset()
    sop_class = str(ds.get("SOPClassUID", "") or meta.get("MediaStorageSOPClassUID", ""))
    if sop_class != CT_IMAGE_STORAGE:
        raise InvalidInput(
            f"{path}: SOP Class UID (0008,0016): expected CT Image Storage "
            f"{CT_IMAGE_STORAGE} (one slice per file), found {sop_class!r}"
        )
    tilt = number(ds, path, "GantryDetectorTilt", "(0018,1120)", 0.0)
    if abs(tilt) > 1e-3:
        raise ImageGeometryError(
            f"{path}: Gantry/Detector Tilt (0018,1120): expected 0 deg, found {tilt} deg "
            "(tilted slices are sheared; resample the series first)"
        )


def _same(paths: list[Path], headers: list[Dataset], keyword: str, tag: str) -> None:
    first = headers[0].get(keyword)
    for path, ds in zip(paths[1:], headers[1:], strict=True):
        if ds.get(keyword) != first:
            what = "several series in one folder" if keyword == "SeriesInstanceUID" else "differ"
            raise InvalidInput(
                f"{path}: {keyword} {tag}: expected {first!r} as in {paths[0]} "
                f"(one series per folder), found {ds.get(keyword)!r} ({what})"
            )


def _orientation(paths: list[Path], headers: list[Dataset]) -> NDArray[np.float64]:
    first = np.array(numbers(headers[0], paths[0], "ImageOrientationPatient", "(0020,0037)", 6))
    for path, ds in zip(paths, headers, strict=True):
        found = np.array(numbers(ds, path, "ImageOrientationPatient", "(0020,0037)", 6))
        if np.abs(found - first).max() > ORIENTATION_TOLERANCE:
            raise ImageGeometryError(
                f"{path}: ImageOrientationPatient (0020,0037): expected {first.tolist()} as in "
                f"{paths[0]}, found {found.tolist()} (several orientations in one folder)"
            )
    row, col = first[:3], first[3:]
    if abs(np.linalg.norm(row) - 1) > 1e-3 or abs(np.linalg.norm(col) - 1) > 1e-3:
        raise ImageGeometryError(
            f"{paths[0]}: ImageOrientationPatient (0020,0037): expected unit direction "
            f"cosines, found {first.tolist()}"
        )
    if abs(float(row @ col)) > 1e-3:
        raise ImageGeometryError(
            f"{paths[0]}: ImageOrientationPatient (0020,0037): expected perpendicular rows "
            f"and columns, found {first.tolist()}"
        )
    return first


def _positions(paths: list[Path], headers: list[Dataset]) -> NDArray[np.float64]:
    found = []
    for path, ds in zip(paths, headers, strict=True):
        found.append(np.array(numbers(ds, path, "ImagePositionPatient", "(0020,0032)", 3)))
    return np.array(found)


def _check_spacing(paths: list[Path], along: NDArray[np.float64]) -> float:
    """The slice spacing (mm) of sorted positions ``along`` the normal, or refuse."""
    gaps = np.diff(along)
    for n, gap in enumerate(gaps):
        if gap < DUPLICATE_POSITION_MM:
            raise ImageGeometryError(
                f"{paths[n + 1]}: ImagePositionPatient (0020,0032): duplicate slice, at the "
                f"position of {paths[n]} ({along[n]:.3f} mm along the normal)"
            )
    step = float(np.median(gaps))
    for n, gap in enumerate(gaps):
        if abs(gap - step) > SPACING_TOLERANCE_FRACTION * step:
            ratio = gap / step
            missing = round(ratio) - 1 if abs(ratio - round(ratio)) < 0.05 and ratio > 1.5 else 0
            what = f"{missing} missing slice(s)" if missing else "uneven spacing"
            raise ImageGeometryError(
                f"{paths[n + 1]}: ImagePositionPatient (0020,0032): expected a slice "
                f"{step:.3f} mm after {paths[n]}, found {gap:.3f} mm ({what})"
            )
    return step


def _check_shear(
    paths: list[Path], positions: NDArray[np.float64], normal: NDArray[np.float64]
) -> None:
    span = positions[-1] - positions[0]
    cos = float(abs(span @ normal) / max(np.linalg.norm(span), 1e-12))
    angle = float(np.degrees(np.arccos(min(1.0, cos))))
    if angle > MAX_SHEAR_DEG:
        raise ImageGeometryError(
            f"{paths[-1]}: ImagePositionPatient (0020,0032): expected slices stacked along "
            f"the slice normal, found them {angle:.1f} deg off it (gantry tilt); resample first"
        )


def _affine(
    ds: Dataset, path: Path, iop: NDArray[np.float64], first: NDArray[np.float64], step: Any
) -> NDArray[np.float64]:
    spacing = numbers(ds, path, "PixelSpacing", "(0028,0030)", 2)
    if min(spacing) <= 0:
        raise ImageGeometryError(
            f"{path}: PixelSpacing (0028,0030): expected 2 values > 0 mm, found {spacing}"
        )
    lps = np.eye(4)
    lps[:3, 0] = iop[:3] * spacing[1]  # column index i: along a row
    lps[:3, 1] = iop[3:] * spacing[0]  # row index j: down a column
    lps[:3, 2] = step
    lps[:3, 3] = first
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps  # LPS -> RAS+


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: expected a folder of DICOM CT slices, found no folder")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.upper() != "DICOMDIR"
    )
    if len(files) < 2:
        raise InvalidInput(f"{folder}: expected at least 2 DICOM CT slices, found {len(files)}")
    return files


def read_series(folder: Path, *, pixels: bool = True) -> CtSeries:
    """The checked CT series in ``folder``; ``pixels`` decodes HU as well (else headers)."""
    paths = _files(folder)
    headers = [_read_header(p, pixels=pixels) for p in paths]
    for path, ds in zip(paths, headers, strict=True):
        _check_ct(ds, path)
    for keyword, tag in (
        ("SeriesInstanceUID", "(0020,000E)"),
        ("StudyInstanceUID", "(0020,000D)"),
        ("FrameOfReferenceUID", "(0020,0052)"),
        ("Rows", "(0028,0010)"),
        ("Columns", "(0028,0011)"),
        ("PixelSpacing", "(0028,0030)"),
    ):
        _same(paths, headers, keyword, tag)
    iop = _orientation(paths, headers)
    normal = np.cross(iop[:3], iop[3:])
    positions = _positions(paths, headers)
    order = np.argsort(positions @ normal, kind="stable")
    paths = [paths[n] for n in order]
    headers = [headers[n] for n in order]
    positions = positions[order]
    step = _check_spacing(paths, positions @ normal)
    _check_shear(paths, positions, normal)
    vector = (positions[-1] - positions[0]) / (len(paths) - 1)
    assert abs(float(np.linalg.norm(vector)) - step) < 0.05 * step  # checked just above
    affine = _affine(headers[0], paths[0], iop, positions[0], vector)
    rows = whole(headers[0], paths[0], "Rows", "(0028,0010)", low=1, high=65535)
    cols = whole(headers[0], paths[0], "Columns", "(0028,0011)", low=1, high=65535)
    geometry = VolumeGeometry(affine=affine, shape=(cols, rows, len(paths)))
    hu = stack_hu(paths, headers, rows, cols) if pixels else None
    return CtSeries(
        folder=folder, files=tuple(paths), headers=tuple(headers), geometry=geometry, hu=hu
    )


def read_hu(ct: CtSeries) -> CtSeries:
    """``ct`` with its HU volume, decoded from its files (read again, in slice order)."""
    if ct.hu is not None:
        return ct
    cols, rows = ct.geometry.shape[:2]
    full = [_read_header(path, pixels=True) for path in ct.files]
    return dataclasses.replace(ct, hu=stack_hu(list(ct.files), full, rows, cols))
