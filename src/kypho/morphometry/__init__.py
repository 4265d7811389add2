"""Vertebral morphometry: arrays and points in, heights, grades and angles out (pure)."""

from kypho.morphometry.body import measure_vertebra
from kypho.morphometry.compare import LevelChange, compare_studies
from kypho.morphometry.grading import genant_grade, morphology
from kypho.morphometry.sixpoint import cobb_angle_deg, heights_mm, wedge_angle_deg
from kypho.morphometry.spine import grade_spine
from kypho.morphometry.to_case import study_from_measurement
from kypho.morphometry.types import (
    DEFAULT_STATIONS,
    LevelMeasurement,
    Morphology,
    Quality,
    ReferenceMethod,
    SixPoints,
    SpineMeasurement,
    Stations,
    VertebraMeasurement,
)
from kypho.morphometry.voxels import LabelIndex, VertebraVoxels, VolumeGeometry, vertebra_voxels

__all__ = [
    "DEFAULT_STATIONS",
    "LabelIndex",
    "LevelChange",
    "LevelMeasurement",
    "Morphology",
    "Quality",
    "ReferenceMethod",
    "SixPoints",
    "SpineMeasurement",
    "Stations",
    "VertebraMeasurement",
    "VertebraVoxels",
    "VolumeGeometry",
    "cobb_angle_deg",
    "compare_studies",
    "genant_grade",
    "grade_spine",
    "heights_mm",
    "measure_vertebra",
    "morphology",
    "study_from_measurement",
    "vertebra_voxels",
    "wedge_angle_deg",
]
