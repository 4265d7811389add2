"""Shared helpers of the DICOM tests: the example series with UIDs, synthetic series, tools.

The shared TotalSegmentator series has empty Study/Series/SOP Instance UIDs, SOP Class
UID and Patient ID; a PACS and highdicom need them, so ``example_series`` fills them in on
a copy (SOP Instance and Class UIDs from each file's meta; fixed Study and Series UIDs; a
synthetic Patient ID), never touching pixel data.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

DATA = Path(__file__).parents[3] / ".." / "shared" / "data" / "totalsegmentator"
EXAMPLE_CT = DATA / "example_ct_dicom"
EXAMPLE_SEG_NIFTI = DATA / "example_seg_dicom.nii.gz"
STUDY_UID = "2.25.311457298140719622375823081945617309391"
SERIES_UID = "2.25.164327869046871563893574163498235176811"
PATIENT_ID = "KYPHO-SYNTH-0001"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need_program(name: str) -> str:
    """The path of ``name``, or skip (fail under CI=true) naming the package to install."""
    found = shutil.which(name)
    if found is None:
        why = f"{name} not installed (apt-get install dicom3tools dcmtk orthanc ...)"
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)
    return found


def example_series(folder: Path) -> Path:
    """A copy of the shared example CT series in ``folder``, with its UIDs filled in."""
    if not EXAMPLE_CT.is_dir():
        pytest.skip(f"shared example series absent: {EXAMPLE_CT}")
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(EXAMPLE_CT.iterdir()):
        ds = pydicom.dcmread(source)
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
        ds.StudyInstanceUID = STUDY_UID
        ds.SeriesInstanceUID = SERIES_UID
        ds.PatientID = PATIENT_ID
        ds.PatientName = "Synthetic^Kypho"
        ds.SeriesNumber = 3
        ds.StudyID = "1"
        ds.save_as(folder / source.name, enforce_file_format=True)
    return folder


def synthetic_slice(
    *,
    position: tuple[float, float, float],
    orientation: tuple[float, ...] = (1, 0, 0, 0, 1, 0),
    series_uid: str = SERIES_UID,
    modality: str = "CT",
    size: int = 8,
    spacing_mm: float = 1.0,
    number: int = 1,
) -> Dataset:
    """One uncompressed CT slice of ``size`` x ``size`` pixels, all 1000 (HU 0)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.StudyInstanceUID = STUDY_UID
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = "2.25.1"
    ds.PatientID = PATIENT_ID
    ds.InstanceNumber = number
    ds.ImagePositionPatient = list(position)
    ds.ImageOrientationPatient = list(orientation)
    ds.PixelSpacing = [spacing_mm, spacing_mm]
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = -1000
    ds.RescaleSlope = 1
    ds.PixelData = np.full((size, size), 1000, dtype=np.uint16).tobytes()
    return ds


def write_series(folder: Path, slices: list[Dataset]) -> Path:
    """Write ``slices`` as files ``s000.dcm``... (names not in slice order on purpose)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, ds in enumerate(reversed(slices)):
        ds.save_as(folder / f"s{n:03d}.dcm", enforce_file_format=True)
    return folder


def z_stack(zs: list[float], **options: object) -> list[Dataset]:
    """Axial slices at heights ``zs`` (mm)."""
    return [
        synthetic_slice(position=(0.0, 0.0, z), number=n + 1, **options)  # type: ignore[arg-type]
        for n, z in enumerate(zs)
    ]


BONE_HU = 400  # a plausible trabecular-to-cortical mix; background is water (0 HU)


def phantom_series(
    labels: np.ndarray,
    affine: np.ndarray,
    folder: Path,
    *,
    bone_hu: int = BONE_HU,
    headers: dict[str, str] | None = None,
) -> Path:
    """An axial CT series (LPS, rows and columns flipped from RAS) on ``labels``' grid.

    ``affine`` must be diagonal (RAS, as ``phantoms.spine`` builds it): voxel (a, b, k)
    lies at pixel (row ny-1-b, column nx-1-a) of slice k, so reading the series back
    checks the LPS-to-RAS conversion as well as the grid. Every labelled voxel is
    ``bone_hu``; ``headers``: keyword -> value set on every slice (e.g. contrast).
    """
    nx, ny, nz = labels.shape
    sx, sy, sz = (float(affine[n, n]) for n in range(3))
    lo = affine[:3, 3]
    slices = []
    for k in range(nz):
        ds = synthetic_slice(
            position=(-(lo[0] + (nx - 1) * sx), -(lo[1] + (ny - 1) * sy), lo[2] + k * sz),
            number=k + 1,
            size=1,
        )
        ds.Rows, ds.Columns = ny, nx
        ds.PixelSpacing = [sy, sx]
        plane = labels[::-1, ::-1, k].T  # (row, column)
        ds.PixelData = np.where(plane > 0, bone_hu + 1000, 1000).astype(np.uint16).tobytes()
        ds.SliceThickness = sz
        for keyword, value in (headers or {}).items():
            setattr(ds, keyword, value)
        slices.append(ds)
    return write_series(folder, slices)
