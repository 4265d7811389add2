"""Measure a study (an array, a NIfTI file, a folder or landmarks) and add it to a case.

Pure functions of their inputs: limits are arguments (the entry point reads them from
``kypho.config.Settings`` once), dates are arguments, nothing global is read or changed.
The CLI, the clinic app and the screener call these and add no logic of their own.

A bad level is a ``POOR`` flag on that level; a bad input (not 3-D, not integer labels,
no geometry, too large, unknown layout) raises ``InvalidInput`` naming it.

``stations`` chooses where heights are read (``Stations``): at the walls (six-point,
``DEFAULT_STATIONS``) or at 15/50/85 % of depth (``ts-15-50-85``); it is passed to
``imaging.volume.measure_volume``/``imaging.study.measure_study``, which measure. The
labelling is then checked against anatomy (``morphometry.label_check``): a level whose
label looks swapped, shifted or duplicated carries the reason and is ``limited``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kypho.domain.case import Case
from kypho.domain.imaging import Modality
from kypho.errors import InvalidInput
from kypho.imaging.landmarks import MAX_FILE_BYTES as LANDMARKS_MAX_FILE_BYTES
from kypho.imaging.landmarks import load_landmarks
from kypho.imaging.layouts import Layout, parse_layout
from kypho.imaging.nifti import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_VOXELS, LabelImage, load_labels
from kypho.imaging.study import measure_study
from kypho.imaging.volume import check_shape, checked_affine, integer_labels, measure_volume
from kypho.morphometry.cobb import Cobb, regional_kyphosis
from kypho.morphometry.compare import LevelChange, compare_studies
from kypho.morphometry.density import StudyDensity
from kypho.morphometry.label_check import check_labels
from kypho.morphometry.to_case import study_from_measurement
from kypho.morphometry.types import DEFAULT_STATIONS, SpineMeasurement, Stations
from kypho.morphometry.voxels import VolumeGeometry

DEFAULT_MAX_SLICE_THICKNESS_MM = 3.0  # as morphometry.body.measure_vertebra


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasuredStudy:
    """A measured study and, for one label volume, the labels it was measured from.

    ``image`` lets a caller draw what was measured without reading the file again; it
    is ``None`` for landmarks and for a folder of per-level files.
    """

    spine: SpineMeasurement
    image: LabelImage | None = None


def _layout(layout: Layout | str | None) -> Layout | None:
    return layout if isinstance(layout, Layout) or layout is None else parse_layout(layout)


def _geometry(
    name: str, shape: tuple[int, int, int], affine: Any, spacing_mm: Sequence[float] | None
) -> VolumeGeometry:
    if (affine is None) == (spacing_mm is None):
        raise InvalidInput(f"{name}: expected exactly one of affine or spacing_mm")
    if affine is None:
        spacing = [float(s) for s in spacing_mm or ()]
        if len(spacing) != 3:
            raise InvalidInput(f"{name}: spacing_mm: expected 3 values (mm), got {spacing_mm!r}")
        affine = np.diag([*spacing, 1.0])
    return VolumeGeometry(affine=checked_affine(name, affine), shape=shape)


def measure_labels(
    labels: NDArray[Any],
    *,
    affine: Any = None,
    spacing_mm: Sequence[float] | None = None,
    layout: Layout | str | None = None,
    header_names: Mapping[int, str] | None = None,
    body: NDArray[Any] | None = None,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_slice_thickness_mm: float = DEFAULT_MAX_SLICE_THICKNESS_MM,
    name: str = "labels",
    stations: Stations | str = DEFAULT_STATIONS,
) -> SpineMeasurement:
    """Measure every vertebra of a label array in memory.

    Parameters
    ----------
    labels
        A 3-D integer (or whole-number float) label volume, axes (i, j, k).
    affine, spacing_mm
        Exactly one: the 4 x 4 voxel-to-RAS+ mm affine, or the voxel spacing (mm) of an
        axis-aligned RAS grid.
    layout
        ``total``, ``verse`` (or a ``Layout``); ``None`` detects it from the labels.
    header_names
        label -> name, as a TotalSegmentator header carries them (names win over numbers).
    body
        A same-shaped mask of vertebral bodies (non-zero = body).
    max_voxels, max_slice_thickness_mm
        Limits (``Settings.max_image_voxels``; thicker sampling makes a level POOR).
    name
        How messages name this input.
    stations
        Where heights are read: ``walls`` (six-point) or ``ts-15-50-85``.
    """
    data = np.asarray(labels)
    shape = check_shape(name, data.shape, max_voxels)
    data = integer_labels(name, data.reshape(shape, order="A"))
    geometry = _geometry(name, shape, affine, spacing_mm)
    mask = None
    if body is not None:
        mask = np.asarray(body) != 0
        if mask.shape != data.shape:
            raise InvalidInput(f"{name}: body: expected shape {shape}, found {mask.shape}")
    chosen = _layout(layout)
    if chosen is Layout.TOTAL_FILES:
        raise InvalidInput(f"{name}: layout total-files is a folder of files, not an array")
    return check_labels(
        measure_volume(
            name,
            data,
            geometry,
            layout=chosen,
            header_names=header_names,
            body=mask,
            max_slice_thickness_mm=max_slice_thickness_mm,
            stations=parse_stations(stations),
        )
    )


def parse_stations(value: Stations | str) -> Stations:
    """``walls`` or ``ts-15-50-85`` (any case) as ``Stations``, else ``InvalidInput``.

    >>> parse_stations("WALLS")
    <Stations.WALLS: 'walls'>
    """
    if isinstance(value, Stations):
        return value
    try:
        return Stations(str(value).strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in Stations)
        raise InvalidInput(f"--stations: expected one of {known}, found {value!r}") from None


def measure_file(
    path: Path,
    *,
    layout: Layout | str | None = None,
    body_path: Path | None = None,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_slice_thickness_mm: float = DEFAULT_MAX_SLICE_THICKNESS_MM,
    max_landmarks_file_bytes: int = LANDMARKS_MAX_FILE_BYTES,
    keep_image: bool = False,
    stations: Stations | str = DEFAULT_STATIONS,
) -> MeasuredStudy:
    """Measure a NIfTI label file, a TotalSegmentator folder or a landmarks JSON file.

    ``keep_image`` keeps the loaded label volume in the result (to draw it); the file is
    read once either way. Limits: ``Settings.max_image_voxels``/``max_image_file_bytes``
    (``max_landmarks_file_bytes`` for a landmarks file). ``stations``: as for
    ``measure_labels`` (landmarks are where the reader placed them).
    """
    at = parse_stations(stations)
    if path.suffix.lower() == ".json":
        landmarks = load_landmarks(path, max_file_bytes=max_landmarks_file_bytes)
        return MeasuredStudy(spine=check_labels(landmarks))
    chosen = _layout(layout)
    limits: dict[str, Any] = {
        "max_voxels": max_voxels,
        "max_file_bytes": max_file_bytes,
        "max_slice_thickness_mm": max_slice_thickness_mm,
    }
    image = None
    if keep_image and path.is_file() and chosen is not Layout.TOTAL_FILES:
        image = load_labels(path, max_voxels=max_voxels, max_file_bytes=max_file_bytes)
    spine = measure_study(
        path, layout=chosen, body_path=body_path, image=image, stations=at, **limits
    )
    return MeasuredStudy(spine=check_labels(spine), image=image)


def compare_files(earlier: Path, later: Path, **options: Any) -> tuple[LevelChange, ...]:
    """Per-level change from ``earlier`` to ``later``; ``options`` as for ``measure_file``."""
    before = measure_file(earlier, **options).spine
    return compare_studies(earlier=before, later=measure_file(later, **options).spine)


def kyphosis_between(
    spine: SpineMeasurement, spans: Iterable[str]
) -> tuple[tuple[str, str, Cobb], ...]:
    """(upper, lower, Cobb angle) of each ``UPPER:LOWER`` span, in the order given."""
    found = []
    for span in spans:
        upper, _, lower = span.strip().upper().partition(":")
        a, b = spine.get(upper), spine.get(lower)
        cobb = None if a is None or b is None else regional_kyphosis(a.vertebra, b.vertebra)
        if cobb is None:
            measured = ", ".join(lv.structure for lv in spine.levels if lv.vertebra.points)
            raise InvalidInput(
                f"cobb {span}: expected two measured levels UPPER:LOWER, "
                f"found measured levels {measured or 'none'}"
            )
        found.append((upper, lower, cobb))
    return tuple(found)


def add_study_to_case(
    case: Case,
    measured: SpineMeasurement | MeasuredStudy,
    *,
    study_date: date,
    modality: Modality = Modality.CT,
    study_id: str | None = None,
    changes: Iterable[LevelChange] = (),
    density: StudyDensity | None = None,
) -> Case:
    """A copy of ``case`` with the measured study appended to its imaging.

    The case's own checks run on the copy (dates in order, levels unique); a study id
    already in the case is refused, so one study is never counted twice. ``density``: a
    CT's trabecular HU and screen; its screened level becomes the study's ``bone_density``.
    """
    spine = measured.spine if isinstance(measured, MeasuredStudy) else measured
    known = [s.study_id for s in case.imaging or () if s.study_id is not None]
    if study_id is not None and study_id in known:
        raise InvalidInput(
            f"study_id: expected a study not yet in case {case.case_id}, found {study_id!r} there"
        )
    study = study_from_measurement(
        spine,
        study_date=study_date,
        study_id=study_id,
        modality=modality,
        changes=changes,
        density=density,
    )
    return dataclasses.replace(case, imaging=(*(case.imaging or ()), study))
