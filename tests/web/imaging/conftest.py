"""Fixtures of the imaging pages: a stored case made from an example case file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
SHARED = Path("/work/shared/data/totalsegmentator")


@pytest.fixture
def case_pk(web_engine: Engine) -> int:
    """Case EX-01 (acute L1, a candidate) stored as version 1."""
    case = load_case(EXAMPLES / "01-acute-l1-worsening-candidate.json")
    patient = PatientDetails(mrn="MRN-IMG-1", name="Imaging Testpatient")
    with transaction(session_factory(web_engine)) as db:
        return create_case(db, SYSTEM, patient=patient, case=case).row.id


@pytest.fixture
def real_mask() -> Path:
    """TotalSegmentator's multilabel example segmentation (see its README)."""
    path = SHARED / "example_seg.nii.gz"
    if not path.is_file():
        pytest.skip(f"real data absent: {path} (see /work/shared/data/totalsegmentator/README.md)")
    return path


@pytest.fixture
def real_folder() -> Path:
    """TotalSegmentator's one-file-per-structure example output."""
    path = SHARED / "example_seg_fast"
    if not path.is_dir():
        pytest.skip(f"real data absent: {path} (see /work/shared/data/totalsegmentator/README.md)")
    return path
