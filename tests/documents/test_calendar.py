"""The .ics file parsed back with icalendar and checked event by event."""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar

from kypho.documents import render_ics


def _events(pathway) -> dict[str, object]:
    cal = Calendar.from_ical(render_ics(pathway))
    assert str(cal["version"]) == "2.0"
    return {str(e["uid"]).split("-2026")[0]: e for e in cal.walk("VEVENT")}


def test_every_step_and_visit_is_an_event(pathway) -> None:
    events = _events(pathway)
    assert len(events) == len(pathway.timeline) + len(pathway.visits)
    assert all("decision-support" in str(e["description"]) for e in events.values())


def test_timed_and_all_day_events(pathway) -> None:
    events = _events(pathway)
    flat = events["lie-flat"]
    assert flat.decoded("dtstart") == datetime(2026, 3, 10, 10, 45)
    assert flat.decoded("dtend") == datetime(2026, 3, 10, 11, 45)
    lifting = events["no-lifting"]
    assert lifting.decoded("dtstart") == date(2026, 3, 10)
    assert lifting.decoded("dtend") == date(2026, 4, 22)  # 6 weeks later, exclusive end
    visit = events["visit-2-4-weeks"]
    assert visit.decoded("dtstart") == date(2026, 3, 31)
    assert "between 24 Mar 2026 and 07 Apr 2026" in str(visit["description"])
    assert events["visit-12-months"].decoded("dtstart") == date(2027, 3, 10)


def test_same_pathway_same_file(pathway) -> None:
    assert render_ics(pathway) == render_ics(pathway)
