"""Fixtures of the plan and documents pages: example cases stored through the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"


@pytest.fixture
def store_example(web_engine: Engine) -> Callable[[str], int]:
    """Store ``examples/cases/<name>`` as a new case (version 1); its primary key."""

    def store(name: str) -> int:
        case = load_case(EXAMPLES / name)
        patient = PatientDetails(mrn=f"MRN-{case.case_id}", name=f"Plan Testpatient {case.case_id}")
        with transaction(session_factory(web_engine)) as db:
            return create_case(db, SYSTEM, patient=patient, case=case).row.id

    return store
