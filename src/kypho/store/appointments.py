"""Appointments: book (no double-booking of a room or a clinician), cancel, mark done.

Two bookings clash when both are ``booked``, share the clinician or the room, and their
times overlap (``start < other end and other start < end``): back to back (one ends as
the next starts) is not a clash. The check runs inside the write transaction, after the
clinician's and the room's rows are locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite a no-op write takes the database's write lock), so of two concurrent bookings of
the same slot the second waits, then sees the first and is refused.

A procedure appointment marked done writes the case's ``procedure.date`` (the treatment
record) as a new case version; booking alone does not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.domain.case import Case as ClinicalCase
from kypho.errors import Conflict, InvalidInput, NotFound
from kypho.rules.types import ProcedureWindow
from kypho.store.audit import Actor, record_event
from kypho.store.base import MAX_ROW_ID
from kypho.store.cases import get_case, save_case
from kypho.store.models import Appointment, Case, Room, User
from kypho.workflows.assess import assess_case
from kypho.workflows.policies import resolve_policies

DURATION_MIN_MIN = 5  # project convention: shorter than a consult is a typing slip
DURATION_MAX_MIN = 600  # project convention: a whole clinic day (10 h)
REASON_MAX_CHARS = 2000  # project convention: a paragraph
CLINICIAN_ROLE = "physician"  # kypho.web.security.roles.Role.PHYSICIAN
PRACTICE_POLICY = "practice"  # whose window the booking offers (docs/policies.md)


class Kind(StrEnum):
    CONSULT = "consult"
    PROCEDURE = "procedure"
    FOLLOW_UP = "follow_up"


class Status(StrEnum):
    BOOKED = "booked"
    DONE = "done"
    CANCELLED = "cancelled"


class BookingError(InvalidInput):
    """Bad input in one named field of a booking (``field`` is the form's name)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.text = message


class DoubleBooked(Conflict):
    """The room or the clinician is already booked at an overlapping time."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.text = message


@dataclass(frozen=True, slots=True, kw_only=True)
class Booking:
    """What a booking asks for; ``day`` and ``start`` are the clinic's wall-clock time."""

    case_pk: int
    kind: Kind
    clinician_id: int
    room_id: int
    day: date
    start_hh_mm: str
    duration_min: int
    outside_window_reason: str | None = None


def local_start(day: date, start_hh_mm: str, zone: ZoneInfo) -> datetime:
    """The booked start as an aware datetime (``start_hh_mm`` is ``HH:MM``)."""
    try:
        hours, minutes = (int(part) for part in start_hh_mm.split(":"))
        return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone)
    except ValueError:
        raise BookingError("start", f"expected a time HH:MM, got {start_hh_mm!r}") from None


def clinicians(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User).where(User.role == CLINICIAN_ROLE, User.active).order_by(User.username)
        )
    )


def rooms(db: Session) -> list[Room]:
    return list(db.scalars(select(Room).order_by(Room.name)))


def _lock(db: Session, clinician_id: int, room_id: int) -> tuple[User, Room]:
    """The clinician's and room's rows, locked for this transaction (always in this order)."""
    for field, given in (("clinician_id", clinician_id), ("room_id", room_id)):
        if not 1 <= given <= MAX_ROW_ID:  # no such row can exist (and no engine looks it up)
            shown = given if len(str(given)) <= 24 else f"a {len(str(given))}-digit number"
            raise BookingError(field, f"expected an id from 1 to {MAX_ROW_ID:,}, got {shown}")
    if db.get_bind().dialect.name == "sqlite":
        db.execute(update(Room).where(Room.id == room_id).values(name=Room.name))
        user = db.get(User, clinician_id)
        room = db.get(Room, room_id)
    else:
        user = db.scalar(select(User).where(User.id == clinician_id).with_for_update())
        room = db.scalar(select(Room).where(Room.id == room_id).with_for_update())
    if user is None or user.role != CLINICIAN_ROLE or not user.active:
        raise BookingError("clinician_id", f"expected an active physician, got user {clinician_id}")
    if room is None:
        raise BookingError("room_id", f"expected one of the clinic's rooms, got {room_id}")
    return user, room


def _clash(
    db: Session, *, clinician_id: int, room_id: int, starts: datetime, ends: datetime
) -> Appointment | None:
    return db.scalar(
        select(Appointment)
        .where(
            Appointment.status == Status.BOOKED,
            or_(Appointment.clinician_id == clinician_id, Appointment.room_id == room_id),
            Appointment.starts_at < ends,
            Appointment.ends_at > starts,
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )


def _check(booking: Booking) -> str | None:
    if not DURATION_MIN_MIN <= booking.duration_min <= DURATION_MAX_MIN:
        raise BookingError(
            "duration_min",
            f"expected {DURATION_MIN_MIN} to {DURATION_MAX_MIN} minutes, "
            f"got {booking.duration_min}",
        )
    reason = (booking.outside_window_reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX_CHARS:
        raise BookingError(
            "outside_window_reason",
            f"expected at most {REASON_MAX_CHARS} characters, got {len(reason)}",
        )
    return reason


def book(db: Session, actor: Actor, booking: Booking, *, zone: ZoneInfo) -> Appointment:
    """Book ``booking`` (``DoubleBooked`` if the room or the clinician is taken then)."""
    reason = _check(booking)
    if db.get(Case, booking.case_pk) is None:
        raise NotFound(f"case {booking.case_pk}: no such case")
    starts = local_start(booking.day, booking.start_hh_mm, zone)
    ends = starts + timedelta(minutes=booking.duration_min)
    _lock(db, booking.clinician_id, booking.room_id)
    other = _clash(
        db, clinician_id=booking.clinician_id, room_id=booking.room_id, starts=starts, ends=ends
    )
    if other is not None:
        what = "room_id" if other.room_id == booking.room_id else "clinician_id"
        taken = "room" if what == "room_id" else "clinician"
        raise DoubleBooked(
            what,
            f"the {taken} is already booked from {span_words(other, zone)} "
            f"(appointment {other.id}); expected a free time, got {starts:%H:%M}-{ends:%H:%M}",
        )
    row = Appointment(
        case_id=booking.case_pk,
        kind=booking.kind.value,
        starts_at=starts,
        ends_at=ends,
        clinician_id=booking.clinician_id,
        room_id=booking.room_id,
        outside_window_reason=reason,
        status=Status.BOOKED.value,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    record_event(
        db,
        actor,
        action="create",
        record_type="appointment",
        record_id=row.id,
        case_id=booking.case_pk,
        detail=f"{booking.kind.value}",
    )
    return row


def book_in_window(
    db: Session, actor: Actor, booking: Booking, *, settings: Settings, on: date
) -> Appointment:
    """``book``, after a procedure's day is checked against the practice window as of ``on``."""
    if booking.kind is Kind.PROCEDURE:
        stored = get_case(db, actor, booking.case_pk)
        check_window(booking, procedure_window(stored.case, settings=settings, on=on))
    return book(db, actor, booking, zone=settings.time_zone)


def span_words(row: Appointment, zone: ZoneInfo) -> str:
    """``2026-12-03 09:00-10:00`` in the clinic's time zone."""
    start, end = row.starts_at.astimezone(zone), row.ends_at.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"


def get_appointment(db: Session, actor: Actor, appointment_id: int) -> Appointment:
    """One appointment; the read is audited."""
    row = db.get(Appointment, appointment_id)
    if row is None:
        raise NotFound(f"appointment {appointment_id}: no such appointment")
    record_event(
        db, actor, action="read", record_type="appointment", record_id=row.id, case_id=row.case_id
    )
    return row


def _booked(db: Session, actor: Actor, appointment_id: int) -> Appointment:
    row = get_appointment(db, actor, appointment_id)
    if row.status != Status.BOOKED:
        raise Conflict(f"appointment {row.id}: expected a booked appointment, got one {row.status}")
    return row


def cancel(db: Session, actor: Actor, appointment_id: int) -> Appointment:
    row = _booked(db, actor, appointment_id)
    row.status = Status.CANCELLED.value
    record_event(
        db, actor, action="cancel", record_type="appointment", record_id=row.id, case_id=row.case_id
    )
    return row


def mark_done(
    db: Session,
    actor: Actor,
    appointment_id: int,
    *,
    zone: ZoneInfo,
    expected_version: int,
    now: datetime,
) -> Appointment:
    """Mark done; a procedure also writes ``procedure.date`` as a new case version.

    An appointment that has not started by ``now`` cannot be done (``BookingError``).
    """
    row = _booked(db, actor, appointment_id)
    if row.starts_at > now:
        raise BookingError(
            "status",
            f"expected an appointment that has started, got one starting {span_words(row, zone)}",
        )
    if row.kind == Kind.PROCEDURE:
        stored = get_case(db, actor, row.case_id)
        day = row.starts_at.astimezone(zone).date()
        procedure = dataclasses.replace(stored.case.procedure, procedure_date=day)
        save_case(
            db,
            actor,
            row.case_id,
            dataclasses.replace(stored.case, procedure=procedure),
            expected_version=expected_version,
            note=f"procedure done ({row.id})",
        )
    row.status = Status.DONE.value
    record_event(
        db, actor, action="done", record_type="appointment", record_id=row.id, case_id=row.case_id
    )
    return row


def appointments(
    db: Session,
    actor: Actor,
    *,
    case_pk: int | None = None,
    starts: datetime | None = None,
    ends: datetime | None = None,
) -> list[Appointment]:
    """Appointments of a case and/or starting in [starts, ends), by time; the read is audited."""
    query = select(Appointment).order_by(Appointment.starts_at, Appointment.id)
    if case_pk is not None:
        query = query.where(Appointment.case_id == case_pk)
    if starts is not None:
        query = query.where(Appointment.starts_at >= starts)
    if ends is not None:
        query = query.where(Appointment.starts_at < ends)
    found = list(db.scalars(query))
    for case_id in sorted({row.case_id for row in found} | ({case_pk} if case_pk else set())):
        count = sum(row.case_id == case_id for row in found)
        record_event(
            db,
            actor,
            action="list",
            record_type="appointment",
            record_id=case_id,
            case_id=case_id,
            detail=f"{count} found",
        )
    return found


def procedure_window(case: ClinicalCase, *, settings: Settings, on: date) -> ProcedureWindow:
    """The days the practice policy allows the procedure on, as of ``on`` (kypho plan's).

    A case with no dated criterion gets the bound every window has: not before ``on``.
    """
    policy = resolve_policies([PRACTICE_POLICY], [], settings=settings)[0]
    window = assess_case(case, [policy], on=on).assessments[0].procedure_window
    return window or ProcedureWindow(on=on, earliest=on, latest=None, constraints=())


def check_window(booking: Booking, window: ProcedureWindow) -> None:
    """A procedure outside ``window`` needs ``outside_window_reason`` (``BookingError``)."""
    if booking.kind is not Kind.PROCEDURE or (booking.outside_window_reason or "").strip():
        return
    failing = window.failing_on(booking.day)
    if failing:
        why = "; ".join(f"{c.text}: {text}" for c, text in failing)
        raise BookingError(
            "outside_window_reason",
            f"expected a reason: {booking.day} is outside the procedure window "
            f"({window_words(window)}): {why}; got none",
        )


def window_words(window: ProcedureWindow) -> str:
    if window.empty:
        return f"no day: the criteria do not overlap ({window.earliest} after {window.latest})"
    return f"{window.earliest} to {window.latest or 'open-ended'}"
