"""Ids no engine can look up are 4xx, never 500 (found by the form fuzz target, issue 15).

A clinician id of 400 digits in the booking form raised SQLite's ``OverflowError`` (HTTP
500); ``/cases/2147483648`` raised PostgreSQL's "integer out of range". The largest id
either engine holds is PostgreSQL's integer, 2**31 - 1 = 2,147,483,647: one past it is
refused, the value itself reaches the lookup (no such row: 404 or the field's message).
"""

from __future__ import annotations

import kypho_schedule_fixtures as _fixtures
import pytest
from sqlalchemy import select

from kypho.store.engine import session_factory, transaction
from kypho.store.models import Appointment
from kypho.web.row_ids import out_of_range_id

web_settings, clock, ex01_pk = _fixtures.web_settings, _fixtures.clock, _fixtures.ex01_pk
room_ids, staff, coordinator = _fixtures.room_ids, _fixtures.staff, _fixtures.coordinator

LARGEST = 2_147_483_647
HUGE = "1" + "0" * 400


def test_the_largest_id_is_kept_and_one_past_it_is_caught() -> None:
    assert out_of_range_id(f"/cases/{LARGEST}") is None
    assert out_of_range_id(f"/cases/{LARGEST + 1}") == str(LARGEST + 1)
    assert out_of_range_id(f"/cases/1/documents/{HUGE}/print") == HUGE
    assert out_of_range_id("/cases/0012") is None


@pytest.mark.parametrize(
    "path",
    [
        f"/cases/{LARGEST + 1}",
        f"/cases/{HUGE}",
        f"/api/cases/{LARGEST + 1}",
        f"/cases/1/documents/{HUGE}",
    ],
)
def test_a_path_id_out_of_range_is_404_with_the_json_body(coordinator, path: str) -> None:  # noqa: ANN001
    answer = coordinator.get(path)
    assert answer.status_code == 404
    body = answer.json()
    assert body["field"] == "id" and body["expected"] == "a record id from 1 to 2,147,483,647"


def test_the_largest_id_is_looked_up_and_not_found(coordinator) -> None:  # noqa: ANN001
    assert coordinator.get(f"/api/cases/{LARGEST}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"), [("clinician_id", HUGE), ("room_id", str(LARGEST + 1)), ("room_id", "0")]
)
def test_a_booking_id_out_of_range_is_the_fields_message(
    coordinator, ex01_pk, room_ids, staff, web_engine, field: str, value: str,  # noqa: ANN001
) -> None:  # fmt: skip
    form = {"kind": "procedure", "date": "2026-11-20", "start": "09:00", "duration_min": "60",
            "outside_window_reason": "", "clinician_id": str(staff["dr_one"]),
            "room_id": str(room_ids[0]), field: value}  # fmt: skip
    answer = coordinator.post(f"/cases/{ex01_pk}/schedule", data=form)
    assert answer.status_code == 422
    assert "expected an id from 1 to 2,147,483,647" in answer.text
    with transaction(session_factory(web_engine)) as db:
        assert list(db.scalars(select(Appointment))) == []
