"""Screening whole archives: one study (``study``), many on Dask (``batch``).

``screen_study`` is a pure function of one study's files; ``screen_all`` fans it out on a
Dask cluster (or a plain loop) and writes Parquet, CSV and an HTML worklist.
"""

from kypho.screening.batch import BatchSummary, local_client, screen_all
from kypho.screening.manifest import Archive, find_studies, read_manifest
from kypho.screening.study import screen_study
from kypho.screening.types import COLUMNS, FailureKind, ScreenOptions, Study, StudyResult

__all__ = [
    "Archive",
    "BatchSummary",
    "COLUMNS",
    "FailureKind",
    "ScreenOptions",
    "Study",
    "StudyResult",
    "find_studies",
    "local_client",
    "read_manifest",
    "screen_all",
    "screen_study",
]
