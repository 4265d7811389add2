"""Images at the edge: NIfTI label volumes, layouts, landmarks JSON and PNG rendering."""

from kypho.imaging.landmarks import load_landmarks, parse_landmarks
from kypho.imaging.layouts import Layout, detect_layout
from kypho.imaging.nifti import LabelImage, load_labels
from kypho.imaging.study import measure_study

__all__ = [
    "LabelImage",
    "Layout",
    "detect_layout",
    "load_labels",
    "load_landmarks",
    "measure_study",
    "parse_landmarks",
]
