"""The clinic's day and week, one appointment as .ics, and the JSON API."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import kypho_schedule_fixtures as _fixtures
import pytest
from icalendar import Calendar
from sqlalchemy import Engine, select

from kypho.errors import Conflict
from kypho.store.appointments import Booking, Kind, book
from kypho.store.audit import SYSTEM
from kypho.store.engine import make_engine, session_factory, transaction
from kypho.store.models import Appointment, AuditEvent, CaseVersion, Room
from kypho.store.schema import upgrade

# Shared fixtures, named here for pytest (a second conftest.py under tests/web clashes with
# the others when --doctest-modules imports them all as "conftest").
web_settings, clock, ex01_pk = _fixtures.web_settings, _fixtures.clock, _fixtures.ex01_pk
room_ids, staff, coordinator = _fixtures.room_ids, _fixtures.staff, _fixtures.coordinator

BERLIN = ZoneInfo("Europe/Berlin")


def _api_booking(staff, case_pk: int, room_id: int, **fields: object) -> dict[str, object]:  # noqa: ANN001
    return {
        "case_id": case_pk,
        "kind": "consult",
        "clinician_id": staff["dr_one"],
        "room_id": room_id,
        "date": "2026-12-01",
        "start": "14:00",
        "duration_min": 30,
        **fields,
    }


def test_api_books_lists_by_day_and_case_and_cancels(coordinator, staff, ex01_pk, room_ids) -> None:  # noqa: ANN001
    made = coordinator.post("/api/appointments", json=_api_booking(staff, ex01_pk, room_ids[1]))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["starts_at"] == "2026-12-01T14:00:00+01:00"
    assert (body["case_ref"], body["room"], body["status"]) == ("EX-01", "Consult room A", "booked")

    on_day = coordinator.get("/api/appointments", params={"day": "2026-12-01"}).json()["items"]
    other_day = coordinator.get("/api/appointments", params={"day": "2026-12-02"}).json()["items"]
    of_case = coordinator.get("/api/appointments", params={"case": ex01_pk}).json()["items"]
    assert [a["id"] for a in on_day] == [body["id"]] == [a["id"] for a in of_case]
    assert other_day == []

    cancelled = coordinator.post(f"/api/appointments/{body['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = coordinator.post(f"/api/appointments/{body['id']}/cancel")
    assert again.status_code == 409


def test_api_double_booking_is_409_naming_the_field_and_time(
    coordinator, staff, ex01_pk, room_ids
) -> None:  # noqa: ANN001
    assert (
        coordinator.post(
            "/api/appointments", json=_api_booking(staff, ex01_pk, room_ids[1])
        ).status_code
        == 201
    )
    clash = coordinator.post(
        "/api/appointments",
        json=_api_booking(staff, ex01_pk, room_ids[1], clinician_id=staff["dr_two"], start="14:29"),
    )

    assert clash.status_code == 409
    assert clash.json()["field"] == "room_id"
    assert "2026-12-01 14:00-14:30" in clash.json()["message"]
    assert "Testperson" not in clash.text


def test_api_procedure_outside_the_window_is_422_naming_the_reason(
    coordinator, staff, ex01_pk, room_ids
) -> None:  # noqa: ANN001
    answer = coordinator.post(
        "/api/appointments",
        json=_api_booking(staff, ex01_pk, room_ids[0], kind="procedure", date="2026-12-14"),
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "outside_window_reason"


def test_api_roles(users, staff, ex01_pk, room_ids) -> None:  # noqa: ANN001
    for role in ("radiologist", "read_only"):
        client = users.api(role)
        assert (
            client.post(
                "/api/appointments", json=_api_booking(staff, ex01_pk, room_ids[1])
            ).status_code
            == 403
        )
        assert client.get("/api/appointments", params={"case": ex01_pk}).status_code == 200


def test_day_and_week_views_show_clinic_times_and_case_refs(
    coordinator, staff, ex01_pk, room_ids
) -> None:  # noqa: ANN001
    coordinator.post("/api/appointments", json=_api_booking(staff, ex01_pk, room_ids[1]))
    day = coordinator.get("/schedule", params={"day": "2026-12-01"})
    assert day.status_code == 200
    assert "14:00–14:30" in day.text and "EX-01" in day.text
    assert "Testperson" not in day.text
    week = coordinator.get("/schedule/week", params={"start": "2026-11-30"})
    assert "14:00–14:30" in week.text and "Tuesday 01 December" in week.text
    assert (
        "Nothing booked on this day"
        in coordinator.get("/schedule", params={"day": "2026-12-02"}).text
    )
    assert coordinator.get("/schedule", params={"day": "2026-13-01"}).status_code == 422


def test_the_ics_parses_with_a_stable_uid_tzid_and_no_patient_name(
    coordinator, staff, ex01_pk, room_ids
) -> None:  # noqa: ANN001
    made = coordinator.post(
        "/api/appointments", json=_api_booking(staff, ex01_pk, room_ids[1])
    ).json()
    first = coordinator.get(f"/appointments/{made['id']}.ics")
    second = coordinator.get(f"/appointments/{made['id']}.ics")

    assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
    assert b"Testperson" not in first.content and b"Ingrid" not in first.content
    (event,) = Calendar.from_ical(first.content).walk("VEVENT")
    (again,) = Calendar.from_ical(second.content).walk("VEVENT")
    assert str(event["UID"]) == str(again["UID"]) == f"appointment-{made['id']}@kypho"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 14, 0, tzinfo=BERLIN)
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 14, 30, tzinfo=BERLIN)
    assert str(event["SUMMARY"]) == "Consult: case EX-01"
    assert str(event["LOCATION"]) == "Consult room A"


def test_views_are_audited_per_case(
    coordinator, staff, ex01_pk, room_ids, web_engine: Engine
) -> None:  # noqa: ANN001
    made = coordinator.post(
        "/api/appointments", json=_api_booking(staff, ex01_pk, room_ids[1])
    ).json()
    coordinator.get("/schedule", params={"day": "2026-12-01"})
    coordinator.get(f"/appointments/{made['id']}.ics")
    with transaction(session_factory(web_engine)) as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.record_type == "appointment")))
    actions = [(e.action, e.case_id) for e in events]
    assert ("create", ex01_pk) in actions and ("list", ex01_pk) in actions
    assert ("read", ex01_pk) in actions
    assert all("Testperson" not in e.detail for e in events)


def _seed(engine: Engine) -> tuple[int, list[int], list[int]]:
    """EX-01, two physicians and two rooms on ``engine``: (case pk, user ids, room ids)."""
    from pathlib import Path

    from kypho.casefile import load_case
    from kypho.store.cases import PatientDetails, create_case
    from kypho.store.people import create_user

    example = Path(__file__).resolve().parents[3] / "examples" / "cases"
    case = load_case(example / "01-acute-l1-worsening-candidate.json", max_bytes=2_000_000)
    with transaction(session_factory(engine)) as db:
        stored = create_case(db, SYSTEM, patient=PatientDetails(mrn="M1", name="X Y"), case=case)
        doctors = [
            create_user(
                db,
                SYSTEM,
                username=f"dr{i}",
                display_name=f"Dr {i}",
                role="physician",
                password="correct horse battery staple 7",
            ).id
            for i in (1, 2)
        ]
        rooms = [Room(name="R1"), Room(name="R2")]
        db.add_all(rooms)
        db.flush()
        return stored.row.id, doctors, [r.id for r in rooms]


@pytest.mark.parametrize("shared", ["room", "clinician"])
def test_two_concurrent_bookings_of_one_slot_give_one_booking(
    any_engine_url: str, shared: str
) -> None:
    """Two transactions race for one slot: the first books and holds; the second waits
    for its lock, then sees the first booking and is refused."""
    engine = make_engine(any_engine_url)
    upgrade(engine)
    case_pk, doctors, rooms = _seed(engine)
    factory = session_factory(engine)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        clinician = doctors[0] if shared == "clinician" else doctors[i]
        room = rooms[0] if shared == "room" else rooms[i]
        booking = Booking(
            case_pk=case_pk,
            kind=Kind.CONSULT,
            clinician_id=clinician,
            room_id=room,
            day=date(2026, 12, 1),
            start_hh_mm="09:00",
            duration_min=30,
        )
        barrier.wait()
        try:
            with transaction(factory) as db:
                book(db, SYSTEM, booking, zone=BERLIN)
                threading.Event().wait(0.5)  # hold the lock: the other must wait for it
            outcomes.append("booked")
        except Conflict as err:
            outcomes.append(f"refused: {err}")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with transaction(factory) as db:
        stored = list(db.scalars(select(Appointment)))
    engine.dispose()

    assert sorted(o.split(":")[0] for o in outcomes) == ["booked", "refused"]
    assert len(stored) == 1
    assert "2026-12-01 09:00-09:30" in next(o for o in outcomes if o.startswith("refused"))


def test_api_mark_done_sets_the_procedure_date_once_started(
    coordinator, staff, ex01_pk, room_ids, clock, web_engine: Engine
) -> None:  # noqa: ANN001
    made = coordinator.post(
        "/api/appointments",
        json=_api_booking(staff, ex01_pk, room_ids[0], kind="procedure", date="2026-12-02"),
    ).json()
    early = coordinator.post(f"/api/appointments/{made['id']}/done", json={"expected_version": 1})
    assert early.status_code == 422 and early.json()["field"] == "status"

    clock(datetime(2026, 12, 2, 14, 0, tzinfo=BERLIN))
    done = coordinator.post(f"/api/appointments/{made['id']}/done", json={"expected_version": 1})
    assert done.status_code == 200 and done.json()["status"] == "done"
    with transaction(session_factory(web_engine)) as db:
        latest = db.scalar(
            select(CaseVersion.document)
            .where(CaseVersion.case_id == ex01_pk)
            .order_by(CaseVersion.version.desc())
        )
    assert json.loads(latest or "{}")["procedure"]["date"] == "2026-12-02"
    assert coordinator.post(f"/api/appointments/{made['id']}/cancel").status_code == 409
