"""``/api/appointments``: list (by day or case), book, cancel, mark done.

A procedure outside the practice policy's window needs ``outside_window_reason`` (422
naming it); a room or clinician already booked at an overlapping time is 409 naming the
other appointment's time, never its patient.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.store.appointments import (
    Booking,
    BookingError,
    Kind,
    appointments,
    book_in_window,
    cancel,
    mark_done,
)
from kypho.store.audit import Actor
from kypho.store.models import Appointment, Case, Room
from kypho.web.deps import DbSession, Now, clinic_now
from kypho.web.row_ids import RowId, RowVersion
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["appointments"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Scheduler = Annotated[Actor, Depends(require(Permission.SCHEDULE))]


def day_span(day: date, zone: ZoneInfo, *, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of ``days`` clinic days from ``day``, as aware datetimes."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=days), time(0), tzinfo=zone)


def appointment_json(row: Appointment, zone: ZoneInfo, case_ref: str, room: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "case_ref": case_ref,
        "kind": row.kind,
        "status": row.status,
        "starts_at": row.starts_at.astimezone(zone).isoformat(),
        "ends_at": row.ends_at.astimezone(zone).isoformat(),
        "clinician_id": row.clinician_id,
        "room_id": row.room_id,
        "room": room,
        "outside_window_reason": row.outside_window_reason,
    }


def described(db: Session, rows: list[Appointment], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Appointments as JSON, with their case ref and room name (never the patient's name)."""
    wanted = {r.case_id for r in rows}
    refs: dict[int, str] = dict(
        db.execute(select(Case.id, Case.case_ref).where(Case.id.in_(wanted))).all()
    )
    names: dict[int, str] = dict(db.execute(select(Room.id, Room.name)).all())
    return [
        appointment_json(r, zone, refs.get(r.case_id, ""), names.get(r.room_id, "")) for r in rows
    ]


class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: RowId
    kind: Kind
    clinician_id: RowId
    room_id: RowId
    date: date
    start: str = Field(pattern=r"^\d{2}:\d{2}$", description="Clinic wall-clock time, HH:MM.")
    duration_min: int
    outside_window_reason: str | None = None


class DoneBody(BaseModel):
    expected_version: RowVersion = Field(
        description="The case version the procedure date is added to."
    )


@router.get("/appointments")
def list_appointments(
    request: Request,
    actor: Reader,
    db: DbSession,
    day: date | None = None,
    case: int | None = None,
) -> dict[str, Any]:
    zone = request.app.state.settings.time_zone
    starts, ends = day_span(day, zone) if day is not None else (None, None)
    rows = appointments(db, actor, case_pk=case, starts=starts, ends=ends)
    return {"items": described(db, rows, zone)}


@router.post("/appointments", status_code=201)
def book_appointment(
    request: Request, body: BookingBody, actor: Scheduler, db: DbSession, now: Now
) -> dict[str, Any]:
    settings = request.app.state.settings
    booking = Booking(
        case_pk=body.case_id,
        kind=body.kind,
        clinician_id=body.clinician_id,
        room_id=body.room_id,
        day=body.date,
        start_hh_mm=body.start,
        duration_min=body.duration_min,
        outside_window_reason=body.outside_window_reason,
    )
    row = book_in_window(db, actor, booking, settings=settings, on=now.date())
    return described(db, [row], settings.time_zone)[0]


@router.post("/appointments/{appointment_id}/cancel")
def cancel_appointment(
    request: Request, appointment_id: int, actor: Scheduler, db: DbSession
) -> dict[str, Any]:
    row = cancel(db, actor, appointment_id)
    return described(db, [row], request.app.state.settings.time_zone)[0]


@router.post("/appointments/{appointment_id}/done")
def appointment_done(
    request: Request,
    appointment_id: int,
    body: DoneBody,
    actor: Scheduler,
    db: DbSession,
    now: Now,
) -> dict[str, Any]:
    zone = request.app.state.settings.time_zone
    row = mark_done(
        db, actor, appointment_id, zone=zone, expected_version=body.expected_version, now=now
    )
    return described(db, [row], zone)[0]


__all__ = ["BookingError", "Now", "clinic_now", "day_span", "described", "router"]
