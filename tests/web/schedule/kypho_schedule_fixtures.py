"""Fixtures of the scheduling tests: EX-01 stored as a case, two rooms, a fixed clinic clock.

Imported by name into each test module (a second conftest.py clashes under --doctest-modules).

The clinic is in Europe/Berlin (UTC+1 in winter), so a wall-clock time that were
stored or shown in UTC by mistake would read an hour off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kypho.casefile import load_case
from kypho.config import Settings
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import Room
from web.web_clock import set_clinic_now

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
EX01 = EXAMPLES / "01-acute-l1-worsening-candidate.json"
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 20)  # after EX-01's last record (pain and RDQ on 2026-11-19)
PATIENT_NAME = "Ingrid Testperson"


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="test-secret-" + "x" * 32,
        clinic_time_zone="Europe/Berlin",
    )


@pytest.fixture
def clock(web_app) -> Callable[[datetime], None]:  # noqa: ANN001
    """Set the clinic's 'now' (default: 08:00 on TODAY in Berlin)."""

    def set_now(moment: datetime) -> None:
        set_clinic_now(web_app, moment)

    set_now(datetime(TODAY.year, TODAY.month, TODAY.day, 8, 0, tzinfo=BERLIN))
    return set_now


@pytest.fixture
def ex01_pk(web_engine: Engine) -> int:
    case = load_case(EX01, max_bytes=2_000_000)
    with transaction(session_factory(web_engine)) as db:
        stored = create_case(
            db, SYSTEM, patient=PatientDetails(mrn="MRN-0001", name=PATIENT_NAME), case=case
        )
        return stored.row.id


@pytest.fixture
def room_ids(web_engine: Engine) -> tuple[int, int]:
    with transaction(session_factory(web_engine)) as db:
        rooms = [Room(name="Procedure room 1"), Room(name="Consult room A")]
        db.add_all(rooms)
        db.flush()
        return rooms[0].id, rooms[1].id


@pytest.fixture
def staff(users, clock) -> dict[str, object]:  # noqa: ANN001, ARG001
    """Two physicians (ids) and API clients of a coordinator and a radiologist."""
    first, _ = users.make("physician", username="dr_one")
    second, _ = users.make("physician", username="dr_two")
    return {
        "dr_one": first,
        "dr_two": second,
        "coordinator": users.api("coordinator"),
    }


@pytest.fixture
def coordinator(staff: dict[str, object]) -> TestClient:
    client = staff["coordinator"]
    assert isinstance(client, TestClient)
    return client
