"""Scheduling pages: a case's appointments, the clinic's day and week, one appointment as .ics.

The procedure's date is offered inside the practice policy's window (``kypho plan``'s,
as of today); a day outside needs a reason. Follow-up visits are proposed at the
pathway's intervals from the procedure day (``kypho.pathway.follow_up_visits``) as
prefilled rows the coordinator confirms one by one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.domain.calendar_dates import calendar_date
from kypho.errors import Conflict, InvalidInput
from kypho.pathway import VisitSlot, follow_up_visits
from kypho.store.appointments import (
    Booking,
    BookingError,
    Kind,
    Status,
    appointments,
    book_in_window,
    cancel,
    clinicians,
    get_appointment,
    mark_done,
    procedure_window,
    rooms,
    window_words,
)
from kypho.store.audit import Actor
from kypho.store.cases import StoredCase, get_case
from kypho.store.models import Appointment, Case, Room
from kypho.web.deps import DbSession
from kypho.web.render import render
from kypho.web.routes.appointments import Now, day_span, described
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed

router = APIRouter(tags=["pages"], include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Scheduler = Annotated[Actor, Depends(require(Permission.SCHEDULE))]
FIELDS = (
    "kind",
    "clinician_id",
    "room_id",
    "date",
    "start",
    "duration_min",
    "outside_window_reason",
)
DEFAULT_START = "09:00"  # project convention: the clinic's first slot
DEFAULT_DURATION_MIN = {Kind.CONSULT: 30, Kind.PROCEDURE: 60, Kind.FOLLOW_UP: 30}  # convention
KIND_WORDS = {Kind.CONSULT: "Consult", Kind.PROCEDURE: "Procedure", Kind.FOLLOW_UP: "Follow-up"}
PRODID = "-//kypho//clinic appointment//EN"


def _procedure_day(stored: StoredCase, rows: list[Appointment], zone: Any) -> date | None:
    booked = [r for r in rows if r.kind == Kind.PROCEDURE and r.status != Status.CANCELLED]
    if booked:
        return booked[-1].starts_at.astimezone(zone).date()
    return stored.case.procedure.procedure_date


def _proposals(day: date | None, rows: list[Appointment], zone: Any) -> list[VisitSlot]:
    """The pathway's visits from ``day`` not yet booked inside their own window."""
    if day is None:
        return []
    taken = [
        r.starts_at.astimezone(zone).date()
        for r in rows
        if r.kind == Kind.FOLLOW_UP and r.status != Status.CANCELLED
    ]
    return [s for s in follow_up_visits(day) if not any(s.earliest <= d <= s.latest for d in taken)]


def _case_page(
    request: Request,
    db: Session,
    actor: Actor,
    case_pk: int,
    today: date,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    settings = request.app.state.settings
    zone = settings.time_zone
    stored = get_case(db, actor, case_pk)
    rows = appointments(db, actor, case_pk=case_pk)
    try:
        window, window_note = procedure_window(stored.case, settings=settings, on=today), ""
    except InvalidInput as err:
        window, window_note = None, str(err)
    context = {
        "stored": stored,
        "today": today,
        "rows": described(db, rows, zone),
        "clinicians": clinicians(db),
        "rooms": rooms(db),
        "kinds": KIND_WORDS,
        "window": window,
        "window_words": window_words(window) if window else window_note,
        "proposals": _proposals(_procedure_day(stored, rows, zone), rows, zone),
        "default_start": DEFAULT_START,
        "durations": DEFAULT_DURATION_MIN,
        "can_schedule": allowed(actor.role, Permission.SCHEDULE),
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "schedule/case.html", context, status=status)


@router.get("/cases/{case_pk}/schedule")
def case_schedule(
    request: Request, case_pk: int, actor: Reader, db: DbSession, now: Now
) -> Response:
    return _case_page(request, db, actor, case_pk, now.date())


def _whole(field: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise BookingError(field, f"expected a whole number, got {text!r}") from None


def booking_from_form(case_pk: int, typed: dict[str, str]) -> Booking:
    """The booking a form asks for; ``BookingError`` names the field."""
    try:
        kind = Kind(typed.get("kind", ""))
    except ValueError:
        raise BookingError("kind", "expected consult, procedure or follow_up") from None
    try:
        day = calendar_date(typed.get("date", "").strip())
    except ValueError:
        raise BookingError(
            "date", f"expected a date YYYY-MM-DD, got {typed.get('date')!r}"
        ) from None
    return Booking(
        case_pk=case_pk,
        kind=kind,
        clinician_id=_whole("clinician_id", typed.get("clinician_id", "")),
        room_id=_whole("room_id", typed.get("room_id", "")),
        day=day,
        start_hh_mm=typed.get("start", "").strip(),
        duration_min=_whole("duration_min", typed.get("duration_min", "")),
        outside_window_reason=typed.get("outside_window_reason") or None,
    )


@router.post("/cases/{case_pk}/schedule")
async def book_from_form(
    request: Request, case_pk: int, actor: Scheduler, db: DbSession, now: Now
) -> Response:
    form = await request.form()
    typed = {name: str(form.get(name, "")) for name in FIELDS}
    try:
        booking = booking_from_form(case_pk, typed)
        book_in_window(db, actor, booking, settings=request.app.state.settings, on=now.date())
    except (BookingError, Conflict) as err:
        db.rollback()
        field = getattr(err, "field", "") or "start"
        text = getattr(err, "text", str(err))
        return _case_page(
            request,
            db,
            actor,
            case_pk,
            now.date(),
            errors={field: text},
            typed=typed,
            status=409 if isinstance(err, Conflict) else 422,
        )
    return RedirectResponse(f"/cases/{case_pk}/schedule", status_code=303)


@router.post("/cases/{case_pk}/schedule/{appointment_id}/cancel")
def cancel_from_form(
    case_pk: int, appointment_id: int, actor: Scheduler, db: DbSession
) -> Response:
    _of_case(db, actor, case_pk, appointment_id)
    cancel(db, actor, appointment_id)
    return RedirectResponse(f"/cases/{case_pk}/schedule", status_code=303)


@router.post("/cases/{case_pk}/schedule/{appointment_id}/done")
def done_from_form(
    request: Request,
    case_pk: int,
    appointment_id: int,
    actor: Scheduler,
    db: DbSession,
    expected_version: Annotated[int, Form()],
    now: Now,
) -> Response:
    _of_case(db, actor, case_pk, appointment_id)
    mark_done(
        db,
        actor,
        appointment_id,
        zone=request.app.state.settings.time_zone,
        expected_version=expected_version,
        now=now,
    )
    return RedirectResponse(f"/cases/{case_pk}/schedule", status_code=303)


def _of_case(db: Session, actor: Actor, case_pk: int, appointment_id: int) -> Appointment:
    row = get_appointment(db, actor, appointment_id)
    if row.case_id != case_pk:
        raise InvalidInput(
            f"appointment {appointment_id}: expected one of case {case_pk}, got another"
        )
    return row


def _day_of(text: str | None, today: date, field: str) -> date:
    if not text:
        return today
    try:
        return calendar_date(text)
    except ValueError:
        raise InvalidInput(f"{field}: expected a date YYYY-MM-DD, got {text!r}") from None


@router.get("/schedule")
def day_view(
    request: Request, actor: Reader, db: DbSession, now: Now, day: str | None = None
) -> Response:
    zone = request.app.state.settings.time_zone
    shown = _day_of(day, now.date(), "day")
    starts, ends = day_span(shown, zone)
    rows = described(db, appointments(db, actor, starts=starts, ends=ends), zone)
    context = {
        "day": shown,
        "rows": rows,
        "kinds": KIND_WORDS,
        "zone": zone.key,
        "before": shown - timedelta(days=1),
        "after": shown + timedelta(days=1),
    }
    return render(request, "schedule/day.html", context)


@router.get("/schedule/week")
def week_view(
    request: Request, actor: Reader, db: DbSession, now: Now, start: str | None = None
) -> Response:
    zone = request.app.state.settings.time_zone
    first = _day_of(start, now.date() - timedelta(days=now.date().weekday()), "start")
    starts, ends = day_span(first, zone, days=7)
    rows = described(db, appointments(db, actor, starts=starts, ends=ends), zone)
    days = [first + timedelta(days=i) for i in range(7)]
    by_day = {d: [r for r in rows if r["starts_at"][:10] == d.isoformat()] for d in days}
    context = {
        "first": first,
        "days": days,
        "by_day": by_day,
        "kinds": KIND_WORDS,
        "zone": zone.key,
        "before": first - timedelta(days=7),
        "after": first + timedelta(days=7),
    }
    return render(request, "schedule/week.html", context)


def appointment_ics(
    row: Appointment, *, case_ref: str, room: str, zone: Any, now: datetime
) -> bytes:
    """One appointment as iCalendar: stable UID, times with TZID, the case ref (no name)."""
    event = Event()
    event.add("uid", f"appointment-{row.id}@kypho")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", row.starts_at.astimezone(zone))
    event.add("dtend", row.ends_at.astimezone(zone))
    event.add("summary", f"{KIND_WORDS[Kind(row.kind)]}: case {case_ref}")
    event.add("location", room)
    event.add("status", "CANCELLED" if row.status == Status.CANCELLED else "CONFIRMED")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


@router.get("/appointments/{appointment_id}.ics")
def ics_file(
    request: Request, appointment_id: int, actor: Reader, db: DbSession, now: Now
) -> Response:
    row = get_appointment(db, actor, appointment_id)
    case_ref = db.scalar(select(Case.case_ref).where(Case.id == row.case_id)) or ""
    room = db.scalar(select(Room.name).where(Room.id == row.room_id)) or ""
    body = appointment_ics(
        row, case_ref=case_ref, room=room, zone=request.app.state.settings.time_zone, now=now
    )
    headers = {"Content-Disposition": f'attachment; filename="appointment-{row.id}.ics"'}
    return Response(body, media_type="text/calendar", headers=headers)
