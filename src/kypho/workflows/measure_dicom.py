"""Measure a CT series with its segmentation, write SEG + SR, pull from and push to a PACS.

The CLI (``kypho measure --ct``, ``--dicom-out``, ``--from-dicomweb``) and the clinic app
call these; they add no logic of their own. The segmentation is a NIfTI label file on
the CT's grid (axes may be permuted or flipped) or a DICOM SEG of this CT; it is put on
the CT's voxels, then measured exactly as ``measure_labels`` measures an array.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset

from kypho.errors import InvalidInput
from kypho.imaging.layouts import Layout, label_names, layout_from_labels
from kypho.imaging.nifti import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_VOXELS, load_labels
from kypho.imaging.volume import check_shape
from kypho.morphometry.density import StudyDensity
from kypho.morphometry.types import DEFAULT_STATIONS, SpineMeasurement, Stations
from kypho.workflows.measure import DEFAULT_MAX_SLICE_THICKNESS_MM, measure_labels

SEG_NAME = "kypho-seg.dcm"
SR_NAME = "kypho-sr.dcm"


@dataclass(frozen=True, slots=True, kw_only=True)
class CtMeasured:
    """A CT series measured: the spine, the series, and the labels on its grid."""

    spine: SpineMeasurement
    ct: Any  # kypho.interop.dicom.series.CtSeries
    labels: NDArray[np.integer]  # on the CT's grid (i, j, k); only the voxels measured
    structures: dict[int, str]  # label -> structure, for the levels measured
    density: StudyDensity | None = None  # trabecular HU, screen and contrast, when asked

    @property
    def densities(self) -> tuple[Any, ...]:
        """Each level's ``morphometry.density.LevelDensity`` (none without density)."""
        return () if self.density is None else self.density.levels


def _is_nifti(path: Path) -> bool:
    return path.name.lower().endswith((".nii", ".nii.gz"))


def _nifti_on_ct(path: Path, ct: Any, *, max_voxels: int, max_file_bytes: int) -> Any:
    from kypho.interop.dicom.labels import onto_grid

    image = load_labels(path, max_voxels=max_voxels, max_file_bytes=max_file_bytes)
    grid = onto_grid(path, image.labels, image.geometry.affine, ct.geometry)
    return grid, image.header_names


def _labels_on_ct(path: Path, ct: Any, **limits: int) -> tuple[NDArray[Any], dict[int, str]]:
    if _is_nifti(path):
        grid, names = _nifti_on_ct(path, ct, **limits)
        return grid, dict(names)
    from kypho.interop.dicom.seg_read import read_seg

    found = read_seg(path, ct)
    return found.labels, found.names


def measure_ct(
    ct_folder: Path,
    labels_path: Path,
    *,
    layout: Layout | None = None,
    body_path: Path | None = None,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_slice_thickness_mm: float = DEFAULT_MAX_SLICE_THICKNESS_MM,
    density: bool = False,
    stations: Stations | str = DEFAULT_STATIONS,
) -> CtMeasured:
    """Measure the CT series in ``ct_folder`` with ``labels_path`` (NIfTI or DICOM SEG).

    ``density`` also reads the HU and measures each level's trabecular attenuation
    (``morphometry.density``) in the voxels measured, screens L1 or the nearest usable
    level, and reads the contrast phase from the series. ``stations``: where heights
    are read (``walls`` or ``ts-15-50-85``), as ``measure_labels``.
    """
    from kypho.interop.dicom.series import read_hu, read_series

    ct = read_series(ct_folder, pixels=False)
    check_shape(ct_folder, ct.geometry.shape, max_voxels)  # before any pixel is decoded
    if density:
        ct = read_hu(ct)
    limits = {"max_voxels": max_voxels, "max_file_bytes": max_file_bytes}
    labels, header_names = _labels_on_ct(labels_path, ct, **limits)
    body = None
    if body_path is not None:
        body = _nifti_on_ct(body_path, ct, **limits)[0] == 1
    chosen = layout or layout_from_labels(
        labels_path, max_label=int(labels.max()), header_names=header_names
    )
    spine = measure_labels(
        labels,
        affine=ct.geometry.affine,
        layout=chosen,
        header_names=header_names,
        body=body,
        max_voxels=max_voxels,
        max_slice_thickness_mm=max_slice_thickness_mm,
        name=str(labels_path),
        stations=stations,
    )
    names = label_names(chosen, header_names)
    structures = {k: v for k, v in names.items() if spine.get(v) is not None}
    kept = _kept(labels, structures, body)
    found = _density(ct, spine, kept, structures) if density else None
    return CtMeasured(spine=spine, ct=ct, labels=kept, structures=structures, density=found)


def _kept(
    labels: NDArray[Any], structures: Mapping[int, str], body: NDArray[np.bool_] | None
) -> NDArray[Any]:
    """The labels of the levels measured (within the bodies, with ``--body``); others 0."""
    kept = np.isin(labels, list(structures))
    if body is not None:
        kept &= body
    return np.where(kept, labels, 0)


def _density(
    ct: Any, spine: SpineMeasurement, labels: NDArray[Any], structures: dict[int, str]
) -> StudyDensity:
    from kypho.interop.dicom.contrast import contrast_phase
    from kypho.morphometry.density import spine_density, study_density

    levels = spine_density(ct.hu, labels, names=structures, spacing_mm=ct.geometry.spacing_mm)
    contrast = contrast_phase(ct.headers)
    return study_density(
        levels, spine, contrast_phase=contrast.phase, contrast_evidence=contrast.evidence
    )


def dicom_results(
    measured: CtMeasured, *, uids: Mapping[str, str] | None = None
) -> tuple[Dataset, Dataset]:
    """The SEG and the TID 1500 SR of ``measured`` (``uids``: fixed UIDs for tests)."""
    from kypho.interop.dicom.seg_write import build_seg, segment_numbers
    from kypho.interop.dicom.sr_write import build_sr

    given = dict(uids or {})
    seg = build_seg(
        measured.ct,
        measured.labels,
        measured.structures,
        series_uid=given.get("seg_series"),
        instance_uid=given.get("seg_instance"),
    )
    sr = build_sr(
        measured.ct,
        measured.spine,
        seg,
        segment_numbers(measured.structures),
        density=measured.density,
        series_uid=given.get("sr_series"),
        instance_uid=given.get("sr_instance"),
    )
    return seg, sr


def encoded(dataset: Dataset) -> bytes:
    """A dataset as a DICOM Part 10 file."""
    from io import BytesIO

    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def dicom_files(folder: Path, seg: Dataset, sr: Dataset) -> dict[Path, bytes]:
    """The files ``--dicom-out FOLDER`` writes (SEG and SR), to write together."""
    return {folder / SEG_NAME: encoded(seg), folder / SR_NAME: encoded(sr)}


def measure_from_dicomweb(
    url: str,
    study_uid: str,
    *,
    labels_path: Path | None = None,
    series_uid: str | None = None,
    **options: Any,
) -> CtMeasured:
    """Pull the CT (and its SEG, unless ``labels_path``) of a study and measure it."""
    from kypho.interop.dicom.dicomweb import pull_study

    with tempfile.TemporaryDirectory(prefix="kypho-dicomweb-") as work:
        pulled = pull_study(url, study_uid, Path(work), series_uid=series_uid)
        labels = labels_path or pulled.seg
        if labels is None:
            raise InvalidInput(
                f"{url}: study {study_uid}: expected a SEG of the CT series in the study, or "
                "--labels FILE, found neither"
            )
        return measure_ct(pulled.ct, labels, **options)  # headers stay in memory


def push_results(url: str, seg: Dataset, sr: Dataset) -> list[str]:
    """Store SEG and SR in the PACS at ``url`` (STOW-RS) in one request; their UIDs."""
    from kypho.interop.dicom.dicomweb import store

    return store(url, [seg, sr])
