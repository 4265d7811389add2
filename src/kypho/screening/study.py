"""Screen one study: measure its mask, read its CT's HU, flag, draw flagged levels.

A pure function of the study's files and the options; it knows nothing of Dask and never
raises for a bad study: a corrupt, truncated, huge or mislabelled study is a result with
its reason (``StudyResult.failure``). A bad CT beside a good mask keeps the morphometry
and says why the density is unknown. Measuring is ``kypho.workflows.measure``'s; this
module only composes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from kypho.errors import KyphoError
from kypho.imaging.layouts import Layout, label_names
from kypho.imaging.nifti import LabelImage
from kypho.morphometry.density import DensityScreen, LevelDensity, screen_density, spine_density
from kypho.morphometry.types import Quality, SpineMeasurement
from kypho.screening.ct import load_ct
from kypho.screening.rows import flagged, study_rows
from kypho.screening.thumbnails import level_thumbnail
from kypho.screening.types import (
    FailureKind,
    ScreenOptions,
    Study,
    StudyResult,
    failed_result,
    thumbnail_name,
)
from kypho.workflows.measure import measure_file

logger = logging.getLogger(__name__)
DEFAULT_OPTIONS = ScreenOptions()


def screen_study(study: Study, options: ScreenOptions = DEFAULT_OPTIONS) -> StudyResult:
    """Rows of ``study`` (one per level), or its failure with the reason; never raises."""
    try:
        return _screen(study, options)
    except KyphoError as err:
        return failed_result(study, str(err), FailureKind.INPUT)
    except MemoryError:
        reason = "out of memory while screening (raise the worker memory limit?)"
        return failed_result(study, reason, FailureKind.INPUT)
    except Exception as err:  # a bug must not stop an archive: reported with its type
        logger.exception("screening a study failed unexpectedly (study key %s)", study.key)
        reason = f"internal error {type(err).__name__}: {err} (please report)"
        return failed_result(study, reason, FailureKind.INTERNAL)


def _screen(study: Study, options: ScreenOptions) -> StudyResult:
    measured = measure_file(
        study.mask,
        keep_image=True,
        max_voxels=options.max_voxels,
        max_file_bytes=options.max_file_bytes,
        max_slice_thickness_mm=options.max_slice_thickness_mm,
    )
    spine, image = measured.spine, measured.image
    names = {} if image is None else _names(spine, image)
    ct, densities, screen, note = _density(study, spine, image, names, options)
    rows = study_rows(study, spine, densities=densities, screen=screen, density_note=note)
    pictures: dict[str, bytes] = {}
    if options.thumbnails and image is not None:
        pictures = _thumbnails(study, spine, image, names, ct, rows)
    rows = tuple(
        r | {"thumbnail": r["thumbnail"] if r["thumbnail"] in pictures else None} for r in rows
    )
    return StudyResult(study_id=study.study_id, rows=rows, thumbnails=pictures)


def _names(spine: SpineMeasurement, image: LabelImage) -> dict[int, str]:
    layout = Layout(spine.layout) if spine.layout else Layout.TOTAL
    return label_names(layout, image.header_names)


def _density(
    study: Study,
    spine: SpineMeasurement,
    image: LabelImage | None,
    names: Mapping[int, str],
    options: ScreenOptions,
) -> tuple[NDArray[np.float32] | None, dict[str, LevelDensity], DensityScreen | None, str]:
    """(CT, per-level density, the screen, a note on why there is none)."""
    if study.ct is None:
        return None, {}, None, "no CT given"
    if image is None:
        return None, {}, None, "density needs a single label volume, not a folder of files"
    try:
        ct = load_ct(
            study.ct,
            grid=image.geometry,
            max_voxels=options.max_voxels,
            max_file_bytes=options.max_file_bytes,
        )
    except KyphoError as err:
        return None, {}, None, f"CT not used: {err}"
    found = spine_density(
        ct,
        image.labels,
        names=names,
        spacing_mm=image.geometry.spacing_mm,
        erosion_mm=options.erosion_mm,
    )
    excluded = {
        lv.structure: why
        for lv in spine.levels
        if (why := _not_for_density(lv.genant_grade, lv.quality)) is not None
    }
    return ct, {d.structure: d for d in found}, screen_density(found, excluded=excluded), ""


def _not_for_density(grade: int | None, quality: Quality) -> str | None:
    if grade is not None and grade >= 1:
        return f"Genant grade {grade} (a fractured body reads denser)"
    if quality is Quality.POOR:
        return "morphometry poor"
    return None


def _thumbnails(
    study: Study,
    spine: SpineMeasurement,
    image: LabelImage,
    names: Mapping[int, str],
    ct: NDArray[np.float32] | None,
    rows: tuple[dict[str, object], ...],
) -> dict[str, bytes]:
    label_of = {name: label for label, name in names.items()}
    pictures: dict[str, bytes] = {}
    for row in rows:
        level = spine.get(str(row["level"]))
        if not flagged(row) or level is None or level.structure not in label_of:
            continue
        png = level_thumbnail(
            level,
            labels=image.labels,
            label=label_of[level.structure],
            geometry=image.geometry,
            ct_hu=ct,
        )
        if png is not None:
            pictures[thumbnail_name(study, level.structure)] = png
    return pictures
