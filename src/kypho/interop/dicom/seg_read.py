"""Read a DICOM SEG of a CT series as a label volume on the CT's grid.

A SEG is used only when it says it was drawn on this CT: the same Frame of Reference
UID (0020,0052), this series in its Referenced Series Sequence (0008,1115), and frames
derived from this series' slices (Source Image Sequence (0008,2112)). Segments are
named by their Segmented Property Type code (CID 7603, or kypho's own) or else by their
label ("vertebrae_L1", as TotalSegmentator writes); other segments are kept unnamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.errors import InvalidDicomError

from kypho.errors import InvalidInput
from kypho.interop.dicom.codes import structure_of
from kypho.interop.dicom.series import CtSeries

SEG_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"


@dataclass(frozen=True, slots=True, kw_only=True)
class SegLabels:
    """Labels (axes i, j, k of the CT; value = segment number) and vertebra names."""

    path: Path
    labels: NDArray[np.integer]
    names: dict[int, str]  # segment number -> "vertebrae_<LEVEL>" for the vertebrae


def _seg_file(path: Path) -> Path:
    if path.is_file():
        return path
    files = [p for p in sorted(path.iterdir()) if p.is_file()] if path.is_dir() else []
    if len(files) != 1:
        raise InvalidInput(
            f"{path}: expected one DICOM SEG file (or a folder with one), found {len(files)} files"
        )
    return files[0]


def _read(path: Path) -> hd.seg.Segmentation:
    try:
        header = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError) as err:
        raise InvalidInput(f"{path}: expected a DICOM SEG file, found: {err}") from None
    sop_class = str(header.get("SOPClassUID", ""))
    if sop_class != SEG_STORAGE:
        raise InvalidInput(
            f"{path}: SOP Class UID (0008,0016): expected Segmentation Storage {SEG_STORAGE}, "
            f"found {sop_class!r}"
        )
    try:
        return hd.seg.segread(path)
    except (ValueError, AttributeError, KeyError, TypeError) as err:
        raise InvalidInput(f"{path}: expected a valid DICOM SEG, found: {err}") from None


def _check_references(path: Path, seg: Any, ct: CtSeries) -> None:
    found_for = str(seg.get("FrameOfReferenceUID", ""))
    if found_for != ct.frame_of_reference_uid:
        raise InvalidInput(
            f"{path}: Frame of Reference UID (0020,0052): expected the CT's "
            f"{ct.frame_of_reference_uid!r}, found {found_for!r} (a SEG of another CT)"
        )
    series = [
        str(item.get("SeriesInstanceUID", "")) for item in seg.get("ReferencedSeriesSequence", [])
    ]
    if ct.series_uid not in series:
        raise InvalidInput(
            f"{path}: Referenced Series Sequence (0008,1115) > Series Instance UID "
            f"(0020,000E): expected the CT's {ct.series_uid!r}, found {series} "
            "(a SEG of another series)"
        )


def read_seg(path: Path, ct: CtSeries) -> SegLabels:
    """The labels of the SEG at ``path`` (a file, or a folder holding one) on ``ct``'s grid."""
    file = _seg_file(path)
    seg = _read(file)
    _check_references(file, seg, ct)
    referenced = {uid for _, _, uid in seg.get_source_image_uids()}
    foreign = sorted(referenced - set(ct.instance_uids))
    if foreign:
        raise InvalidInput(
            f"{file}: Source Image Sequence (0008,2112) > Referenced SOP Instance UID "
            f"(0008,1155): expected slices of the CT, found {len(foreign)} others, "
            f"e.g. {foreign[0]!r}"
        )
    try:
        planes = seg.get_pixels_by_source_instance(
            source_sop_instance_uids=list(ct.instance_uids),
            combine_segments=True,
            skip_overlap_checks=False,
        )
    except (ValueError, KeyError, RuntimeError) as err:
        raise InvalidInput(f"{file}: could not place the SEG's frames on the CT: {err}") from None
    names = {}
    for number in seg.get_segment_numbers():
        item = seg.get_segment_description(number)
        code = item.segmented_property_type
        name = structure_of(code.value, code.scheme_designator, item.segment_label)
        if name is not None:
            names[int(number)] = f"vertebrae_{name}"
    if not names:
        raise InvalidInput(
            f"{file}: Segment Sequence (0062,0002): expected vertebra segments (CID 7603 codes "
            "or labels vertebrae_<LEVEL>), found none"
        )
    labels = np.ascontiguousarray(np.transpose(np.asarray(planes), (2, 1, 0)))
    return SegLabels(path=file, labels=labels, names=names)
