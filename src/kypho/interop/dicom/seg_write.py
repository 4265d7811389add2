"""Write the vertebrae measured as a DICOM SEG over the CT (highdicom).

One segment per vertebra, coded by ``codes.vertebra_code``; the frames reference the CT
slices they lie on; patient and study identity are the CT's, series and instance UIDs
are new (or given, for reproducible tests).
"""

from __future__ import annotations

from collections.abc import Mapping

import highdicom as hd
import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes as sr_codes
from pydicom.uid import generate_uid

from kypho import __version__
from kypho.errors import InvalidInput
from kypho.interop.dicom.codes import ANATOMICAL_STRUCTURE, vertebra_code
from kypho.interop.dicom.series import CtSeries

MANUFACTURER = "kypho (open source)"
SEG_SERIES_NUMBER = 9001  # project convention: high, away from the scanner's own numbers


def require_uids(ct: CtSeries) -> None:
    """Refuse a CT whose identity a derived object could not reference."""
    for path, ds in zip(ct.files, ct.headers, strict=True):
        for keyword, tag in (
            ("StudyInstanceUID", "(0020,000D)"),
            ("SeriesInstanceUID", "(0020,000E)"),
            ("SOPInstanceUID", "(0008,0018)"),
            ("SOPClassUID", "(0008,0016)"),
            ("FrameOfReferenceUID", "(0020,0052)"),
        ):
            if not str(ds.get(keyword, "") or ""):
                raise InvalidInput(
                    f"{path}: {keyword} {tag}: expected a UID to reference from SEG and SR, "
                    "found none (empty)"
                )


# Type 2 attributes of the Patient and General Study modules that the SEG and SR copy from
# the CT; one the CT lacks is copied as present and empty, as Type 2 allows (PS3.3 C.7.1.1,
# C.7.2.1); a value is never invented.
TYPE2_IDENTITY = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
)


def source_headers(ct: CtSeries) -> list[Dataset]:
    """Copies of the CT's headers, with absent Type 2 identity attributes present, empty."""
    found = []
    for ds in ct.headers:
        copy = Dataset(ds)
        copy.file_meta = ds.file_meta
        for keyword in TYPE2_IDENTITY:
            if keyword not in copy:
                setattr(copy, keyword, "")
        found.append(copy)
    return found


def _description(number: int, structure: str) -> hd.seg.SegmentDescription:
    code = vertebra_code(structure)
    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=f"vertebrae_{structure}",
        segmented_property_category=ANATOMICAL_STRUCTURE,
        segmented_property_type=code,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=hd.AlgorithmIdentificationSequence(
            name="kypho measure (labels of the input segmentation)",
            family=sr_codes.cid7162.ArtificialIntelligence,
            version=__version__,
        ),
        tracking_uid=generate_uid(),
        tracking_id=f"vertebra {structure}",
    )


def segment_numbers(structures: Mapping[int, str]) -> dict[str, int]:
    """structure -> segment number (1, 2, ... in the order of the labels)."""
    return {name: n for n, (_, name) in enumerate(sorted(structures.items()), start=1)}


def build_seg(
    ct: CtSeries,
    labels: NDArray[np.integer],
    structures: Mapping[int, str],
    *,
    series_uid: str | None = None,
    instance_uid: str | None = None,
) -> Dataset:
    """A SEG of ``labels`` (on ``ct``'s grid, axes i, j, k): label -> structure as given."""
    require_uids(ct)
    if labels.shape != ct.geometry.shape:
        raise InvalidInput(
            f"labels: expected the CT's shape {ct.geometry.shape}, found {labels.shape}"
        )
    numbers = segment_numbers(structures)
    top = max(structures) if structures else 0
    lookup = np.zeros(max(int(labels.max()), top) + 1, dtype=np.uint8)
    for label, name in structures.items():
        lookup[label] = numbers[name]
    frames = lookup[np.transpose(labels, (2, 1, 0))]
    if not frames.any():
        raise InvalidInput("labels: expected at least one measured vertebra to write, found none")
    return hd.seg.Segmentation(
        source_images=source_headers(ct),
        pixel_array=frames,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[_description(n, s) for s, n in numbers.items()],
        series_instance_uid=series_uid or generate_uid(),
        series_number=SEG_SERIES_NUMBER,
        sop_instance_uid=instance_uid or generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        manufacturer_model_name="kypho",
        software_versions=__version__,
        device_serial_number="none",
        series_description="kypho vertebrae measured",
        content_label="VERTEBRAE",
        content_description="Vertebrae measured by kypho (decision support)",
    )
