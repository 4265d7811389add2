"""Read a DICOM SEG of a CT series as a label volume on the CT's grid.

A SEG is used only when it says it was drawn on this CT: the same Frame of Reference
UID (0020,0052), this series in its Referenced Series Sequence (0008,1115), and frames
derived from this series' slices (Source Image Sequence (0008,2112)). Segments are
named by their Segmented Property Type code (CID 7603, or kypho's own) or else by their
label ("vertebrae_L1", as TotalSegmentator writes); other segments are kept unnamed.

Before highdicom reads it, every element is decoded (nested sequences too) and what the
labels are built from is checked, each refusal naming the file and the tag: the Segment
Sequence (0062,0002) and its numbers, one frame per Per-frame Functional Groups item
(5200,9230) with its Referenced Segment Number and Source Image Sequence, Rows and
Columns as the CT's, and enough Pixel Data (7FE0,0010).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.errors import BytesLengthException, InvalidDicomError

from kypho.errors import InvalidInput
from kypho.interop.dicom.codes import structure_of
from kypho.interop.dicom.series import CtSeries

SEG_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"
MAX_SEQUENCE_DEPTH = 8  # a SEG nests 4 deep (frame > derivation > source); convention
# What pydicom raises decoding a damaged element (unknown VR, short value, bad text...).
DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError, NotImplementedError,
           OverflowError, EOFError, OSError, struct.error, BytesLengthException)  # fmt: skip
SEGMENTS = "Segment Sequence (0062,0002)"
FRAMES = "Per-frame Functional Groups Sequence (5200,9230)"


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


def _tag(tag: Any) -> str:
    return f"({tag.group:04X},{tag.element:04X})"


def _decode(path: Path, ds: Dataset, where: str = "", depth: int = 0) -> None:
    """Decode every element, nested ones too; ``InvalidInput`` naming the damaged one."""
    if depth > MAX_SEQUENCE_DEPTH:
        raise InvalidInput(
            f"{path}: {where}: expected sequences nested at most {MAX_SEQUENCE_DEPTH} deep, "
            "found deeper"
        )
    for tag in list(ds.keys()):
        try:
            element = ds[tag]
            items = list(element.value) if element.VR == "SQ" else []
        except DAMAGED:
            raise InvalidInput(
                f"{path}: {where}{_tag(tag)}: expected a readable DICOM element, found one "
                "that cannot be decoded"
            ) from None
        for n, item in enumerate(items):
            _decode(path, item, f"{where}{element.keyword or 'Sequence'} {_tag(tag)}[{n}] > ",
                    depth + 1)  # fmt: skip


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pydicom's warnings and log lines about a damaged file kept from the user: kypho
    refuses what it cannot use, in its own words."""
    logger = logging.getLogger("pydicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _header(path: Path) -> Dataset:
    try:
        with _quiet():
            ds = pydicom.dcmread(path)
    except (InvalidDicomError, OSError, *DAMAGED) as err:
        raise InvalidInput(
            f"{path}: File Meta Information (0002,0000): expected a DICOM SEG file, found one "
            f"that cannot be read ({err})"
        ) from None
    with _quiet():
        _decode(path, ds)
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class != SEG_STORAGE:
        raise InvalidInput(
            f"{path}: SOP Class UID (0008,0016): expected Segmentation Storage {SEG_STORAGE}, "
            f"found {sop_class!r}"
        )
    return ds


def _read(path: Path, ds: Dataset, ct: CtSeries) -> hd.seg.Segmentation:
    _check_references(path, ds, ct)
    _check_frames(path, ds, _check_segments(path, ds), ct)
    try:
        with _quiet():
            return hd.seg.Segmentation.from_dataset(ds, copy=False)
    except (*DAMAGED, sqlite3.Error) as err:
        raise InvalidInput(
            f"{path}: {SEGMENTS} and {FRAMES}: expected a valid DICOM SEG, found: {err}"
        ) from None


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_segments(path: Path, ds: Dataset) -> set[int]:
    """The segment numbers: 1, 2, ... each once, each with one property type code."""
    items = list(ds.get("SegmentSequence", []))
    numbers = [_number(item.get("SegmentNumber")) for item in items]
    if not items or sorted(n or 0 for n in numbers) != list(range(1, len(items) + 1)):
        raise InvalidInput(
            f"{path}: {SEGMENTS} > Segment Number (0062,0004): expected segments numbered 1 "
            f"to {len(items)} once each, found {numbers}"
        )
    for number, item in zip(numbers, items, strict=True):
        codes = item.get("SegmentedPropertyTypeCodeSequence", [])
        if len(codes) != 1 or not codes[0].get("CodeValue") or not item.get("SegmentLabel"):
            raise InvalidInput(
                f"{path}: {SEGMENTS}[segment {number}] > Segmented Property Type Code "
                "Sequence (0062,000F) and Segment Label (0062,0005): expected one code and "
                "a label, found otherwise"
            )
    return {n for n in numbers if n is not None}


def _frame_fault(
    item: Dataset, shared: Dataset, segments: set[int], slices: set[str]
) -> str | None:
    """The first functional group of a frame (its own, else the shared one) at fault."""

    def get(keyword: str) -> Any:
        return item.get(keyword) or shared.get(keyword) or []

    ident = get("SegmentIdentificationSequence")
    if len(ident) != 1 or _number(ident[0].get("ReferencedSegmentNumber")) not in segments:
        return (
            "Segment Identification Sequence (0062,000A) > Referenced Segment Number "
            f"(0062,000B): expected one of the segments {sorted(segments)}"
        )
    derivation = get("DerivationImageSequence")
    sources = derivation[0].get("SourceImageSequence", []) if len(derivation) == 1 else []
    if len(sources) != 1 or str(sources[0].get("ReferencedSOPInstanceUID", "")) not in slices:
        return (
            "Derivation Image Sequence (0008,9124) > Source Image Sequence (0008,2112) > "
            "Referenced SOP Instance UID (0008,1155): expected one slice of the CT"
        )
    position = get("PlanePositionSequence")
    if len(position) != 1 or len(position[0].get("ImagePositionPatient") or ()) != 3:
        return (
            "Plane Position Sequence (0020,9113) > Image Position (Patient) (0020,0032): "
            "expected one position of 3 numbers"
        )
    return None


def _check_frames(path: Path, ds: Dataset, segments: set[int], ct: CtSeries) -> None:
    frames = list(ds.get("PerFrameFunctionalGroupsSequence", []))
    count = _number(ds.get("NumberOfFrames"))
    if not frames or count != len(frames):
        raise InvalidInput(
            f"{path}: Number of Frames (0028,0008): expected one frame per item of {FRAMES} "
            f"({len(frames)}), found {count}"
        )
    shared = (ds.get("SharedFunctionalGroupsSequence") or [Dataset()])[0]
    slices = set(ct.instance_uids)
    for n, item in enumerate(frames):
        if (fault := _frame_fault(item, shared, segments, slices)) is not None:
            raise InvalidInput(f"{path}: {FRAMES}[{n}] > {fault}, found otherwise")
    cols, rows, _ = ct.geometry.shape
    found = (_number(ds.get("Rows")), _number(ds.get("Columns")))
    if found != (rows, cols):
        raise InvalidInput(
            f"{path}: Rows (0028,0010) and Columns (0028,0011): expected the CT's "
            f"{rows} x {cols}, found {found[0]} x {found[1]}"
        )
    bits = _number(ds.get("BitsAllocated"))
    needed = -(-count * rows * cols * (bits or 0) // 8)
    pixels = ds.get("PixelData")
    if bits not in (1, 8, 16) or pixels is None or len(pixels) < needed:
        have = 0 if pixels is None else len(pixels)
        raise InvalidInput(
            f"{path}: Pixel Data (7FE0,0010) with Bits Allocated (0028,0100) {bits}: expected "
            f"{needed} bytes of {count} frames, found {have}"
        )


def _check_references(path: Path, seg: Dataset, ct: CtSeries) -> None:
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
    with _quiet():
        return _labels(_seg_file(path), ct)


def _names(file: Path, seg: hd.seg.Segmentation) -> dict[int, str]:
    """Segment number -> "vertebrae_<LEVEL>" of the vertebra segments (at least one)."""
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
    return names


def _labels(file: Path, ct: CtSeries) -> SegLabels:
    seg = _read(file, _header(file), ct)
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
    except (*DAMAGED, RuntimeError, sqlite3.Error) as err:
        raise InvalidInput(
            f"{file}: {FRAMES} > Source Image Sequence (0008,2112): could not place the SEG's "
            f"frames on the CT's slices: {err}"
        ) from None
    names = _names(file, seg)
    labels = np.ascontiguousarray(np.transpose(np.asarray(planes), (2, 1, 0)))
    if not np.isin(labels, list(names)).any():
        raise InvalidInput(
            f"{file}: Pixel Data (7FE0,0010): expected voxels of the vertebra segments "
            f"{sorted(names)}, found none"
        )
    return SegLabels(path=file, labels=labels, names=names)
