"""The recovery timeline and follow-up visits as an iCalendar file a patient can import.

Events carry no names or identifiers. Times are floating local times (the clock on
the wall where the patient lives). UIDs and DTSTAMP derive from the procedure's end,
so the same pathway always gives the same file.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Calendar, Event

from kypho.pathway.types import RecoveryPathway, TimelineItem, VisitSlot

PRODID = "-//kypho//recovery pathway//EN"
MOMENT_DURATION_MIN = 15  # a step without a span shows as a 15-minute event
DECISION_SUPPORT_NOTE = (
    "Made by kypho, a decision-support tool. Follow your doctor's instructions; "
    "your doctor decides."
)


def _uid(key: str, stamp: str) -> str:
    return f"{key}-{stamp}@kypho"


def _timeline_event(item: TimelineItem, stamp: str) -> Event:
    event = Event()
    event.add("uid", _uid(item.key, stamp))
    event.add("summary", f"Recovery: {item.plain.split('.')[0]}")
    event.add("description", f"{item.plain}\n\n{DECISION_SUPPORT_NOTE}")
    if item.ends_at is not None and item.ends_at - item.starts_at >= timedelta(days=1):
        # a span of days is an all-day event; DTEND is exclusive (RFC 5545)
        event.add("dtstart", item.starts_at.date())
        event.add("dtend", item.ends_at.date() + timedelta(days=1))
    else:
        event.add("dtstart", item.starts_at)
        end = item.ends_at or item.starts_at + timedelta(minutes=MOMENT_DURATION_MIN)
        event.add("dtend", end)
    event.add("categories", [item.kind.value])
    return event


def _visit_event(visit: VisitSlot, stamp: str) -> Event:
    event = Event()
    event.add("uid", _uid(visit.key, stamp))
    event.add("summary", f"Kyphoplasty: {visit.label}")
    event.add("dtstart", visit.target)
    event.add("dtend", visit.target + timedelta(days=1))
    event.add(
        "description",
        f"Book a visit between {visit.earliest:%d %b %Y} and {visit.latest:%d %b %Y}. "
        f"{DECISION_SUPPORT_NOTE}",
    )
    event.add("categories", ["visit"])
    return event


def render_ics(pathway: RecoveryPathway) -> bytes:
    """The pathway as an iCalendar (.ics) file: one event per step and per visit."""
    stamp = pathway.procedure_end.strftime("%Y%m%dT%H%M")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Kyphoplasty recovery")
    dtstamp = pathway.procedure_end.replace(tzinfo=UTC)
    for item in pathway.timeline:
        event = _timeline_event(item, stamp)
        event.add("dtstamp", dtstamp)
        cal.add_component(event)
    for visit in pathway.visits:
        event = _visit_event(visit, stamp)
        event.add("dtstamp", dtstamp)
        cal.add_component(event)
    return bytes(cal.to_ical())
