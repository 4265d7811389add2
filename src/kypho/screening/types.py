"""What screening takes and gives: a study to screen, its options, its result.

All frozen and picklable: a ``Study`` and ``ScreenOptions`` travel to Dask workers and a
``StudyResult`` travels back. A result is rows (one per level, columns ``COLUMNS``) or a
failure with its reason, never an exception.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from kypho.imaging.nifti import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_VOXELS
from kypho.morphometry.density import DEFAULT_EROSION_MM

Row = dict[str, Any]

# Every output row has these columns, in this order (Parquet and CSV alike).
COLUMNS = (
    "study_id",
    "mask",
    "ct",
    "status",  # "screened" or "failed"
    "failure_reason",
    "level",
    "genant_grade",
    "genant_grade_min",
    "genant_grade_max",
    "height_loss_pct",
    "morphology",
    "anterior_height_mm",
    "middle_height_mm",
    "posterior_height_mm",
    "wedge_angle_deg",
    "quality",
    "quality_reasons",
    "trabecular_mean_hu",
    "trabecular_median_hu",
    "trabecular_voxels",
    "trabecular_roi",
    "density_screened_level",  # the study's level screened against Pickhardt 2013
    "density_flag",
    "density_reason",
    "contrast_phase",
    "flag_fracture",  # Genant grade >= 2 (moderate or severe)
    "flag_possible_fracture",  # grade below 2 but its doubt range reaches 2
    "flag_low_density",  # this row is the screened level and it is <= 160 HU
    "flag_limited",  # quality limited or poor, reasons in quality_reasons
    "priority",
    "priority_reason",
    "thumbnail",  # path of the level's picture, relative to the output folder
)


class FailureKind(StrEnum):
    INPUT = "input"  # the study's files: corrupt, truncated, too large, not a spine
    INTERNAL = "internal"  # a bug in kypho: reported with its type, please report it
    WORKER = "worker"  # the worker died (memory limit?): ``--resume`` tries again


@dataclass(frozen=True, slots=True, kw_only=True)
class Study:
    """One study: its id, its mask (file or TotalSegmentator folder), optionally a CT.

    ``ct``: a NIfTI CT in the mask's space (same grid), or a DICOM CT series folder whose
    voxels are the mask's (axes possibly permuted or flipped). ``contrast_phase``: as recorded
    with the series (e.g. "non-contrast", "portal venous"), reported beside the HU.
    """

    study_id: str
    mask: Path
    ct: Path | None = None
    contrast_phase: str | None = None

    @property
    def key(self) -> str:
        """A file-name-safe key that does not show the id (ids may be accession numbers)."""
        return hashlib.sha256(self.study_id.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenOptions:
    """Limits and choices, read once by the entry point (``kypho.config.Settings``)."""

    max_voxels: int = DEFAULT_MAX_VOXELS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_slice_thickness_mm: float = 3.0
    erosion_mm: float = DEFAULT_EROSION_MM
    thumbnails: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyResult:
    """Rows of one screened study, or its failure (then one row saying why)."""

    study_id: str
    rows: tuple[Row, ...]
    failure: str | None = None
    failure_kind: FailureKind | None = None
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # file name -> PNG bytes

    @property
    def failed(self) -> bool:
        return self.failure is not None


def thumbnail_name(study: Study, structure: str) -> str:
    """Where a level's picture goes, relative to the output folder."""
    return f"thumbnails/{study.key}-{structure}.png"


def blank_row(study: Study) -> Row:
    """A row with every column, the study's own filled in, the rest ``None``."""
    row: Row = dict.fromkeys(COLUMNS)
    row |= {
        "study_id": study.study_id,
        "mask": str(study.mask),
        "ct": None if study.ct is None else str(study.ct),
        "contrast_phase": study.contrast_phase,
    }
    return row


def failed_result(study: Study, reason: str, kind: FailureKind) -> StudyResult:
    """The one-row result of a study that could not be screened."""
    row = blank_row(study) | {
        "status": "failed",
        "failure_reason": reason,
        "flag_fracture": False,
        "flag_possible_fracture": False,
        "flag_low_density": False,
        "flag_limited": False,
    }
    row |= {"priority": FAILED_PRIORITY, "priority_reason": f"not screened ({kind.value})"}
    return StudyResult(study_id=study.study_id, rows=(row,), failure=reason, failure_kind=kind)


# PROJECT CONVENTION, worklist order (1 first): a known fracture before a possible one,
# bone density, then studies that could not be screened (a person must look: a failed
# screen is unknown, not normal), limited quality, nothing found.
PRIORITIES = {
    1: "Genant grade 3 fracture",
    2: "Genant grade 2 fracture",
    3: "possible fracture (grade range reaches 2)",
    4: "low bone density: DXA referral suggested",
    5: "not screened",
    6: "limited quality, nothing else flagged",
    7: "nothing flagged",
}
FAILED_PRIORITY = 5
