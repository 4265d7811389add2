"""The recovery timeline and follow-up visits as an iCalendar file a patient can import.

Events carry no names or identifiers. Times are the clinic's wall-clock times, written
with a TZID and a VTIMEZONE for ``time_zone`` (RFC 5545 §3.2.19, §3.6.5). DTSTAMP is
the moment the file was made (``now``, in UTC, RFC 5545 §3.8.7.2); UIDs derive from the
procedure's end, so a re-issued file updates the same events. A follow-up visit is a
window to book (an all-day span that does not block time), with a suggested weekday and
a reminder a week before the window opens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from kypho.documents.types import ClinicContact
from kypho.errors import InvalidInput
from kypho.pathway.types import RecoveryPathway, StepKind, TimelineItem, VisitSlot

PRODID = "-//kypho//recovery pathway//EN"
MOMENT_DURATION_MIN = 15  # a step without a span shows as a 15-minute event
BOOKING_REMINDER_DAYS = 7  # remind a week before a visit window opens: project convention
DECISION_SUPPORT_NOTE = (
    "Made by kypho, a decision-support tool. Follow your doctor's instructions; "
    "your doctor decides."
)


def _uid(key: str, stamp: str) -> str:
    return f"{key}-{stamp}@kypho"


def _alarm(trigger: timedelta, text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", trigger)
    return alarm


def _timeline_event(item: TimelineItem, stamp: str, zone: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", _uid(item.key, stamp))
    event.add("summary", f"Recovery: {item.plain.split('.')[0]}")
    event.add("description", f"{item.plain}\n\n{DECISION_SUPPORT_NOTE}")
    long_span = item.ends_at is not None and item.ends_at - item.starts_at >= timedelta(days=1)
    if item.day_only or long_span:
        # a day without an hour, or a span of days: all-day; DTEND is exclusive (RFC 5545)
        last = item.starts_at if item.ends_at is None else item.ends_at
        event.add("dtstart", item.starts_at.date())
        event.add("dtend", last.date() + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        end = item.ends_at or item.starts_at + timedelta(minutes=MOMENT_DURATION_MIN)
        event.add("dtstart", item.starts_at.replace(tzinfo=zone))
        event.add("dtend", end.replace(tzinfo=zone))
        if item.kind is StepKind.EVENT:
            event.add_component(_alarm(timedelta(0), item.plain))
    event.add("categories", [item.kind.value])
    return event


def _visit_event(visit: VisitSlot, stamp: str, clinic: ClinicContact) -> Event:
    window = f"between {visit.earliest:%a %d %b %Y} and {visit.latest:%a %d %b %Y}"
    event = Event()
    event.add("uid", _uid(visit.key, stamp))
    event.add("summary", f"Book your {visit.label.lower()}: {window}")
    event.add("dtstart", visit.earliest)
    event.add("dtend", visit.latest + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a window to book, not a booked visit
    event.add(
        "description",
        f"Book a visit {window}. A good day: {visit.target:%a %d %b %Y}. "
        f"{clinic.call_line}\n\n{DECISION_SUPPORT_NOTE}",
    )
    event.add("categories", ["visit-to-book"])
    event.add_component(
        _alarm(-timedelta(days=BOOKING_REMINDER_DAYS), f"Book your {visit.label.lower()}")
    )
    return event


def render_ics(
    pathway: RecoveryPathway, *, time_zone: ZoneInfo, now: datetime, clinic: ClinicContact
) -> bytes:
    """The pathway as an iCalendar (.ics) file: one event per step and per visit window.

    Parameters
    ----------
    time_zone
        The clinic's time zone (``Settings.time_zone``); the pathway's times are its
        wall-clock times.
    now
        When the file is made, time-zone aware; written as DTSTAMP in UTC.
    clinic
        Named in each visit's description (whom to call to book).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput(f"calendar: expected a time-zone-aware 'now', got {now.isoformat()}")
    stamp = pathway.procedure_end.strftime("%Y%m%dT%H%M")
    dtstamp = now.astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Kyphoplasty recovery")
    cal.add("x-wr-timezone", time_zone.key)
    events = [_timeline_event(i, stamp, time_zone) for i in pathway.timeline]
    events += [_visit_event(v, stamp, clinic) for v in pathway.visits]
    for event in events:
        event.add("dtstamp", dtstamp)
        cal.add_component(event)
    # VTIMEZONE rules only for the years the events span (the default is 1970-2038)
    last = max((v.latest for v in pathway.visits), default=pathway.procedure_end.date())
    cal.add_missing_timezones(
        first_date=pathway.procedure_end.date() - timedelta(days=1),
        last_date=last + timedelta(days=2),
    )
    return bytes(cal.to_ical())
