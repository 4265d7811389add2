"""Booking on /cases/{pk}/schedule: the procedure window, double-booking, cancel, mark done.

EX-01's window under the practice policy, as of 2026-11-20 (worked out by hand from
the case file and src/kypho/rules/policies/practice.toml, as docs/policies.md reads it):
- "conservative-care-2-weeks": NSM from 2026-10-24 + 14 days -> from 2026-11-07;
- "within-12-weeks": onset 2026-10-17 + 84 days -> until 2027-01-09;
- "imaging-within-30-days": MRI 2026-11-13 + 30 days -> until 2026-12-13;
- and never before the assessment date 2026-11-20.
So the window is 2026-11-20 to 2026-12-13, both included.
"""

from __future__ import annotations

import html as html_text
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import kypho_schedule_fixtures as _fixtures
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.store.engine import session_factory, transaction
from kypho.store.models import Appointment, CaseVersion

# Shared fixtures, named here for pytest (a second conftest.py under tests/web clashes with
# the others when --doctest-modules imports them all as "conftest").
web_settings, clock, ex01_pk = _fixtures.web_settings, _fixtures.clock, _fixtures.ex01_pk
room_ids, staff, coordinator = _fixtures.room_ids, _fixtures.staff, _fixtures.coordinator

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_DAY, LAST_DAY = "2026-11-20", "2026-12-13"
DAY_BEFORE, DAY_AFTER = "2026-11-19", "2026-12-14"


def booking_form(**fields: object) -> dict[str, str]:
    base = {
        "kind": "procedure",
        "start": "09:00",
        "duration_min": "60",
        "outside_window_reason": "",
    }
    return {k: str(v) for k, v in {**base, **fields}.items()}


def _stored(engine: Engine) -> list[Appointment]:
    with transaction(session_factory(engine)) as db:
        return list(db.scalars(select(Appointment).order_by(Appointment.id)))


def _book(client: TestClient, pk: int, staff, rooms, **fields: object):  # noqa: ANN001, ANN202
    form = booking_form(clinician_id=staff["dr_one"], room_id=rooms[0], **fields)
    return client.post(f"/cases/{pk}/schedule", data=form, follow_redirects=False)


def _beside(html: str, field: str) -> str:
    found = re.search(rf'<span id="{field}-error" class="field-error" role="alert">([^<]*)<', html)
    assert found, f"no message beside {field}"
    return html_text.unescape(found[1])


def test_the_page_shows_the_hand_computed_window(coordinator, ex01_pk, room_ids) -> None:  # noqa: ANN001
    page = coordinator.get(f"/cases/{ex01_pk}/schedule")

    assert page.status_code == 200
    assert f"{FIRST_DAY} to {LAST_DAY}" in page.text
    assert f'data-window-min="{FIRST_DAY}"' in page.text
    assert f'data-window-max="{LAST_DAY}"' in page.text


@pytest.mark.parametrize("day", [FIRST_DAY, LAST_DAY])
def test_first_and_last_day_of_the_window_book_without_a_reason(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,
    day: str,  # noqa: ANN001
) -> None:
    answer = _book(coordinator, ex01_pk, staff, room_ids, date=day)

    assert answer.status_code == 303
    (row,) = _stored(web_engine)
    assert row.kind == "procedure" and row.status == "booked"
    assert row.outside_window_reason is None
    # 09:00 in Berlin (UTC+1 in winter) is 08:00 UTC
    assert row.starts_at.isoformat() == f"{day}T08:00:00+00:00"
    assert (row.ends_at - row.starts_at).total_seconds() == 3600


@pytest.mark.parametrize("day", [DAY_BEFORE, DAY_AFTER])
def test_the_day_before_and_after_need_a_reason_and_keep_what_was_typed(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,
    day: str,  # noqa: ANN001
) -> None:
    answer = _book(coordinator, ex01_pk, staff, room_ids, date=day, start="10:30")

    assert answer.status_code == 422
    message = _beside(answer.text, "outside_window_reason")
    assert f"{day} is outside the procedure window ({FIRST_DAY} to {LAST_DAY})" in message
    assert f'value="{day}"' in answer.text and 'value="10:30"' in answer.text
    assert _stored(web_engine) == []

    with_reason = _book(
        coordinator,
        ex01_pk,
        staff,
        room_ids,
        date=day,
        outside_window_reason="Patient travels; physician agrees",
    )
    assert with_reason.status_code == 303
    (row,) = _stored(web_engine)
    assert row.outside_window_reason == "Patient travels; physician agrees"


def test_a_blank_reason_counts_as_none(coordinator, ex01_pk, room_ids, staff, web_engine) -> None:  # noqa: ANN001
    answer = _book(
        coordinator, ex01_pk, staff, room_ids, date=DAY_AFTER, outside_window_reason="   "
    )
    assert answer.status_code == 422
    assert _stored(web_engine) == []


def test_a_consult_outside_the_window_needs_no_reason(
    coordinator, ex01_pk, room_ids, staff
) -> None:  # noqa: ANN001
    answer = _book(coordinator, ex01_pk, staff, room_ids, date=DAY_AFTER, kind="consult")
    assert answer.status_code == 303


def test_the_same_room_at_an_overlapping_time_is_refused_naming_the_time_only(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,  # noqa: ANN001
) -> None:
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    form = booking_form(
        clinician_id=staff["dr_two"],
        room_id=room_ids[0],
        date="2026-12-01",
        start="09:30",
        kind="consult",
        duration_min="30",
    )
    answer = coordinator.post(f"/cases/{ex01_pk}/schedule", data=form, follow_redirects=False)

    assert answer.status_code == 409
    message = _beside(answer.text, "room_id")
    assert "room is already booked from 2026-12-01 09:00-10:00" in message
    assert "Ingrid" not in message and "Testperson" not in message
    assert len(_stored(web_engine)) == 1


def test_the_same_clinician_at_an_overlapping_time_is_refused(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,  # noqa: ANN001
) -> None:
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    form = booking_form(
        clinician_id=staff["dr_one"],
        room_id=room_ids[1],
        date="2026-12-01",
        start="08:30",
        kind="consult",
        duration_min="31",
    )
    answer = coordinator.post(f"/cases/{ex01_pk}/schedule", data=form, follow_redirects=False)

    assert answer.status_code == 409
    assert "clinician is already booked from 2026-12-01 09:00-10:00" in _beside(
        answer.text, "clinician_id"
    )
    assert len(_stored(web_engine)) == 1


@pytest.mark.parametrize(("start", "minutes"), [("10:00", "30"), ("08:30", "30")])
def test_back_to_back_is_allowed(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,
    start: str,
    minutes: str,  # noqa: ANN001
) -> None:
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    answer = _book(
        coordinator,
        ex01_pk,
        staff,
        room_ids,
        date="2026-12-01",
        start=start,
        duration_min=minutes,
        kind="consult",
    )
    assert answer.status_code == 303
    assert len(_stored(web_engine)) == 2


def test_a_cancelled_appointment_frees_its_slot(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,  # noqa: ANN001
) -> None:
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    (first,) = _stored(web_engine)
    cancelled = coordinator.post(
        f"/cases/{ex01_pk}/schedule/{first.id}/cancel", follow_redirects=False
    )
    assert cancelled.status_code == 303
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    assert [r.status for r in _stored(web_engine)] == ["cancelled", "booked"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("duration_min", "4", "expected 5 to 600 minutes, got 4"),
        ("duration_min", "601", "expected 5 to 600 minutes, got 601"),
        ("duration_min", "abc", "expected a whole number"),
        ("date", "2026-02-30", "expected a date YYYY-MM-DD"),
        ("start", "9h", "expected a time HH:MM"),
    ],
)
def test_bad_fields_get_a_message_beside_them(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,
    field: str,
    value: str,
    expected: str,  # noqa: ANN001
) -> None:
    fields = {"date": FIRST_DAY, field: value}
    answer = _book(coordinator, ex01_pk, staff, room_ids, **fields)
    assert answer.status_code == 422
    assert expected in _beside(answer.text, field)
    assert _stored(web_engine) == []


def test_a_booking_with_a_non_physician_is_refused(
    users, coordinator, ex01_pk, room_ids, web_engine
) -> None:  # noqa: ANN001
    nurse, _ = users.make("coordinator")
    form = booking_form(clinician_id=nurse, room_id=room_ids[0], date=FIRST_DAY)
    answer = coordinator.post(f"/cases/{ex01_pk}/schedule", data=form)
    assert answer.status_code == 422
    assert "expected an active physician" in _beside(answer.text, "clinician_id")
    assert _stored(web_engine) == []


def test_mark_done_writes_the_procedure_date_as_a_new_version(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,
    clock,  # noqa: ANN001
) -> None:
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    (row,) = _stored(web_engine)
    early = coordinator.post(
        f"/cases/{ex01_pk}/schedule/{row.id}/done", data={"expected_version": "1"}
    )
    assert early.status_code == 422  # 08:59 is before the 09:00 start
    assert "expected an appointment that has started" in early.text
    clock(datetime(2026, 12, 1, 8, 59, tzinfo=BERLIN))
    assert (
        coordinator.post(
            f"/cases/{ex01_pk}/schedule/{row.id}/done", data={"expected_version": "1"}
        ).status_code
        == 422
    )
    clock(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    done = coordinator.post(
        f"/cases/{ex01_pk}/schedule/{row.id}/done",
        data={"expected_version": "1"},
        follow_redirects=False,
    )

    assert done.status_code == 303
    with transaction(session_factory(web_engine)) as db:
        versions = list(db.scalars(select(CaseVersion).where(CaseVersion.case_id == ex01_pk)))
    assert [v.version for v in versions] == [1, 2]
    assert json.loads(versions[0].document)["procedure"]["date"] == "2026-11-28"  # as filed
    assert json.loads(versions[1].document)["procedure"]["date"] == "2026-12-01"
    assert _stored(web_engine)[0].status == "done"


def test_mark_done_on_a_stale_version_is_a_conflict(
    coordinator,
    ex01_pk,
    room_ids,
    staff,
    web_engine,
    clock,  # noqa: ANN001
) -> None:
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    (row,) = _stored(web_engine)
    clock(datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN))
    done = coordinator.post(
        f"/cases/{ex01_pk}/schedule/{row.id}/done", data={"expected_version": "7"}
    )
    assert done.status_code == 409
    assert _stored(web_engine)[0].status == "booked"


def test_a_radiologist_may_view_but_not_book(users, staff, ex01_pk, room_ids, web_engine) -> None:  # noqa: ANN001
    radiologist = users.api("radiologist")
    assert radiologist.get(f"/cases/{ex01_pk}/schedule").status_code == 200
    answer = _book(radiologist, ex01_pk, staff, room_ids, date=FIRST_DAY)
    assert answer.status_code == 403
    assert _stored(web_engine) == []
    assert "Book an appointment" not in radiologist.get(f"/cases/{ex01_pk}/schedule").text


def test_with_no_room_the_page_says_so(coordinator, ex01_pk, staff) -> None:  # noqa: ANN001, ARG001
    page = coordinator.get(f"/cases/{ex01_pk}/schedule")
    assert "No room exists yet" in page.text


def test_follow_up_visits_are_proposed_at_the_pathway_days(
    coordinator,
    ex01_pk,
    room_ids,
    staff,  # noqa: ANN001
) -> None:
    # procedure on Tue 2026-12-01: first visit day 21 -> Tue 2026-12-22; 3, 6, 12 months on
    # the same day of the month, all weekdays (Mon 2027-03-01, Tue 2027-06-01, Wed 2027-12-01)
    assert _book(coordinator, ex01_pk, staff, room_ids, date="2026-12-01").status_code == 303
    page = coordinator.get(f"/cases/{ex01_pk}/schedule").text
    for target in ("2026-12-22", "2027-03-01", "2027-06-01", "2027-12-01"):
        assert f'name="date" type="date" value="{target}"' in page
    # the first visit's window is days 14 to 28
    assert 'min="2026-12-15" max="2026-12-29"' in page

    form = booking_form(
        kind="follow_up",
        date="2026-12-22",
        clinician_id=staff["dr_one"],
        room_id=room_ids[1],
        duration_min="30",
    )
    assert coordinator.post(f"/cases/{ex01_pk}/schedule", data=form).status_code == 200
    after = coordinator.get(f"/cases/{ex01_pk}/schedule").text
    assert 'value="2026-12-22" min=' not in after  # booked: no longer proposed
    assert 'value="2027-03-01"' in after
