"""Write the measurement as a Comprehensive 3D SR following TID 1500 (highdicom).

One "Volumetric ROI measurements" group (TID 1411) per vertebra, referencing its SEG
segment, its finding site the vertebra's code (``codes.vertebra_code``), with: anterior,
middle and posterior heights and their doubt (mm), height loss and the least and greatest
loss within that doubt (%), the wedge angle and its doubt (deg), and the Genant grade,
morphology and quality as coded evaluations, and each reason the quality is not good as
text; with a density measurement, the trabecular mean and median HU, the ROI's voxel count
and erosion and the IV contrast phase (coded, with what it was read from), and on the one
level screened the Pickhardt 2013 flag (a screening flag for a DXA referral, not a
diagnosis) with why that level. A value kypho does not know is left out, never guessed.
The observer is the device kypho; the physician decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes as sr
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from kypho import __version__
from kypho.domain.imaging import bone_density_flag
from kypho.interop.dicom import codes as kc
from kypho.interop.dicom.seg_write import MANUFACTURER, require_uids, source_headers
from kypho.interop.dicom.series import CtSeries
from kypho.morphometry.density import StudyDensity
from kypho.morphometry.types import LevelMeasurement, SpineMeasurement

SR_SERIES_NUMBER = 9002  # project convention, next to the SEG's
MAX_TEXT = 1024  # characters of a TEXT row kept (project convention; UT allows far more)
DEVICE_UID = "2.25.226329187206592213866946018003916547523"  # kypho as an observer device


def _numbers(level: LevelMeasurement) -> list[tuple[Code, float | None, Code]]:
    v = level.vertebra
    least, greatest = level.height_loss_range_pct or (None, None)
    return [
        (kc.ANTERIOR_HEIGHT, v.anterior_height_mm, sr.UCUM.Millimeter),
        (kc.MIDDLE_HEIGHT, v.middle_height_mm, sr.UCUM.Millimeter),
        (kc.POSTERIOR_HEIGHT, v.posterior_height_mm, sr.UCUM.Millimeter),
        (kc.HEIGHT_LOSS, level.height_loss_pct, sr.UCUM.Percent),
        (kc.HEIGHT_LOSS_LEAST, least, sr.UCUM.Percent),
        (kc.HEIGHT_LOSS_GREATEST, greatest, sr.UCUM.Percent),
        (kc.HEIGHT_DOUBT, v.height_doubt_mm, sr.UCUM.Millimeter),
        (kc.WEDGE_ANGLE, v.wedge_angle_deg, sr.UCUM.Degree),
        (kc.WEDGE_ANGLE_DOUBT, v.wedge_angle_doubt_deg, sr.UCUM.Degree),
    ]


def _density(density: Any) -> list[hd.sr.Measurement]:
    """Trabecular HU (mean, median: DCM 112031 with its derivation), ROI size and erosion."""
    if density is None or not density.usable:
        return []
    found = [
        hd.sr.Measurement(
            name=kc.ATTENUATION,
            value=round(float(value), 1),
            unit=sr.UCUM.HounsfieldUnit,
            derivation=derivation,
        )
        for derivation, value in ((kc.MEAN, density.mean_hu), (kc.MEDIAN, density.median_hu))
        if value is not None
    ]
    found.append(
        hd.sr.Measurement(name=kc.ROI_VOXELS, value=int(density.voxel_count), unit=kc.VOXELS)
    )
    found.append(
        hd.sr.Measurement(
            name=kc.ROI_EROSION, value=float(density.erosion_mm), unit=sr.UCUM.Millimeter
        )
    )
    return found


def _density_evaluations(
    structure: str, density: StudyDensity | None
) -> list[hd.sr.QualitativeEvaluation]:
    """The contrast phase beside usable HU; the flag on the level screened."""
    level = None if density is None else density.level(structure)
    if density is None or level is None or not level.usable:
        return []
    found = [hd.sr.QualitativeEvaluation(kc.CONTRAST, kc.CONTRASTS[density.contrast_phase])]
    screen = density.screen
    if screen.structure == structure and screen.mean_hu is not None:
        flag = bone_density_flag(screen.mean_hu)
        found.append(hd.sr.QualitativeEvaluation(kc.DENSITY_FLAG, kc.DENSITY_FLAGS[flag.value]))
    return found


def _texts(structure: str, level: LevelMeasurement, density: StudyDensity | None) -> list[Any]:
    """TEXT rows of the group: quality reasons; the screen's level reason; contrast source."""
    rows = [(kc.QUALITY_REASON, issue.reason) for issue in level.all_issues]
    screened = density is not None and density.screen.structure == structure
    if density is not None and screened:
        rows.append((kc.DENSITY_LEVEL_REASON, density.screen.reason))
        rows.append((kc.CONTRAST_EVIDENCE, density.contrast_evidence))
    return [
        hd.sr.TextContentItem(
            name=name,
            value=text[:MAX_TEXT],
            relationship_type=hd.sr.RelationshipTypeValues.CONTAINS,
        )
        for name, text in rows
    ]


def _evaluations(level: LevelMeasurement) -> list[hd.sr.QualitativeEvaluation]:
    found = [hd.sr.QualitativeEvaluation(kc.QUALITY, kc.QUALITIES[level.quality.value])]
    if level.genant_grade is not None:
        grade = kc.GENANT_GRADES[level.genant_grade]
        found.append(hd.sr.QualitativeEvaluation(kc.GENANT_GRADE, grade))
    if level.morphology is not None:
        shape = kc.MORPHOLOGIES[level.morphology.value]
        found.append(hd.sr.QualitativeEvaluation(kc.MORPHOLOGY, shape))
    return found


def _group(
    level: LevelMeasurement,
    seg: Dataset,
    segment_number: int,
    ct_series_uid: str,
    density: StudyDensity | None = None,
) -> hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations:
    site = hd.sr.FindingSite(anatomic_location=kc.vertebra_code(level.structure))
    measurements = [
        hd.sr.Measurement(name=name, value=round(float(value), 2), unit=unit)
        for name, value, unit in _numbers(level)
        if value is not None
    ] + _density(None if density is None else density.level(level.structure))
    group = hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(), identifier=f"vertebra {level.structure}"
        ),
        referenced_segment=hd.sr.ReferencedSegment(
            sop_class_uid=seg.SOPClassUID,
            sop_instance_uid=seg.SOPInstanceUID,
            segment_number=segment_number,
            source_series=hd.sr.SourceSeriesForSegmentation(ct_series_uid),
        ),
        finding_type=kc.VERTEBRA,
        finding_sites=[site],
        measurements=measurements,
        qualitative_evaluations=_evaluations(level)
        + _density_evaluations(level.structure, density),
    )
    group[0].ContentSequence.extend(_texts(level.structure, level, density))
    return group


def _stations(spine: SpineMeasurement) -> str:
    """``walls`` or ``ts-15-50-85`` (``Stations``); ``landmarks``/``mixed`` otherwise."""
    if spine.stations is not None:
        return spine.stations.value
    measured = any(lv.vertebra.stations is not None for lv in spine.levels)
    return "mixed stations" if measured else "landmarks"


def build_sr(
    ct: CtSeries,
    spine: SpineMeasurement,
    seg: Dataset,
    segments: Mapping[str, int],
    *,
    density: StudyDensity | None = None,
    series_uid: str | None = None,
    instance_uid: str | None = None,
) -> Dataset:
    """The TID 1500 report of ``spine``; ``segments``: structure -> its number in ``seg``.

    ``density``: the study's trabecular HU, screen and contrast phase; a usable level
    adds its mean and median HU, ROI voxel count and erosion (mm) and the contrast phase,
    the level screened its flag.
    """
    require_uids(ct)
    observer = hd.sr.ObserverContext(
        observer_type=sr.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=DEVICE_UID, name="kypho", manufacturer_name=MANUFACTURER, model_name=__version__
        ),
    )
    groups = [
        _group(level, seg, segments[level.structure], ct.series_uid, density)
        for level in spine.levels
        if level.structure in segments
    ]
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=observer),
        procedure_reported=sr.SCT.ComputedTomography,
        imaging_measurements=groups,
    )
    return hd.sr.Comprehensive3DSR(
        evidence=[*source_headers(ct), seg],
        content=report,
        series_instance_uid=series_uid or generate_uid(),
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=instance_uid or generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        # Which stations the heights were read at (clinical reference 3.2); DICOM
        # SeriesDescription is LO, at most 64 characters: these stay under it.
        series_description=f"kypho morphometry, heights at {_stations(spine)} (decision support)",
    )
