"""The .ics file parsed back with icalendar and checked event by event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from kypho.documents import ClinicContact, render_ics
from kypho.errors import InvalidInput
from kypho.pathway.schedule import recovery_pathway
from kypho.planning.types import Discharge

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=ZoneInfo("Europe/London"))  # 15:30 UTC in November
CLINIC = ClinicContact(name="Example Spine Clinic", phone="555-0100")


def _calendar(pathway, *, now: datetime = NOW) -> Calendar:
    cal = Calendar.from_ical(render_ics(pathway, time_zone=NEW_YORK, now=now, clinic=CLINIC))
    assert str(cal["version"]) == "2.0"
    return cal


def _events(pathway) -> dict[str, object]:
    return {str(e["uid"]).split("-2026")[0]: e for e in _calendar(pathway).walk("VEVENT")}


def test_every_step_and_visit_is_an_event(pathway) -> None:
    events = _events(pathway)
    assert len(events) == len(pathway.timeline) + len(pathway.visits)
    assert all("decision-support" in str(e["description"]) for e in events.values())


def test_times_carry_the_clinic_time_zone(pathway) -> None:
    cal = _calendar(pathway)
    zones = [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")]
    assert zones == ["America/New_York"]
    flat = {str(e["uid"]).split("-2026")[0]: e for e in cal.walk("VEVENT")}["lie-flat"]
    assert flat["dtstart"].params["TZID"] == "America/New_York"
    start = flat.decoded("dtstart")
    assert start == datetime(2026, 11, 26, 10, 45, tzinfo=NEW_YORK)
    assert start.astimezone(UTC) == datetime(2026, 11, 26, 15, 45, tzinfo=UTC)  # EST = UTC-5
    assert flat.decoded("dtend") == datetime(2026, 11, 26, 11, 45, tzinfo=NEW_YORK)


def test_dtstamp_is_the_moment_of_generation_in_utc(pathway) -> None:
    for event in _calendar(pathway).walk("VEVENT"):
        assert event.decoded("dtstamp") == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    later = _calendar(pathway, now=NOW + timedelta(hours=1)).walk("VEVENT")[0]
    assert later.decoded("dtstamp") == datetime(2026, 11, 20, 16, 30, tzinfo=UTC)


def test_naive_now_is_refused(pathway) -> None:
    with pytest.raises(InvalidInput, match="time-zone-aware 'now'"):
        render_ics(pathway, time_zone=NEW_YORK, now=datetime(2026, 11, 20, 15, 30), clinic=CLINIC)


def test_spans_of_days_are_all_day(pathway) -> None:
    lifting = _events(pathway)["no-lifting"]
    assert lifting.decoded("dtstart") == date(2026, 11, 26)
    assert lifting.decoded("dtend") == date(2027, 1, 8)  # 6 weeks later, exclusive end
    assert str(lifting["transp"]) == "TRANSPARENT"


def test_visits_are_windows_to_book_with_a_reminder(pathway) -> None:
    visit = _events(pathway)["visit-2-4-weeks"]
    assert str(visit["summary"]) == (
        "Book your first follow-up (2-4 weeks): between Thu 10 Dec 2026 and Thu 24 Dec 2026"
    )
    assert visit.decoded("dtstart") == date(2026, 12, 10)
    assert visit.decoded("dtend") == date(2026, 12, 25)
    assert str(visit["transp"]) == "TRANSPARENT"
    assert "A good day: Thu 17 Dec 2026." in str(visit["description"])
    assert "Call Example Spine Clinic at 555-0100." in str(visit["description"])
    (alarm,) = visit.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(days=-7)
    assert str(alarm["action"]) == "DISPLAY"


def test_moments_have_a_reminder_at_their_time(pathway) -> None:
    (alarm,) = _events(pathway)["driver"].walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(0)
    assert not _events(pathway)["lie-flat"].walk("VALARM")  # a span of care: no alarm


def test_no_visit_suggested_on_a_weekend() -> None:
    saturday_end = datetime(2026, 3, 7, 11, 0)  # procedure on a Saturday
    pathway = recovery_pathway(saturday_end, discharge=Discharge.SAME_DAY_OFFICE,
                               observation_low_min=15, observation_high_min=30)  # fmt: skip
    events = _events(pathway)
    first = str(events["visit-2-4-weeks"]["description"])
    assert "A good day: Fri 27 Mar 2026." in first  # day 21 is Saturday 28 March
    three = str(events["visit-3-months"]["description"])
    assert "A good day: Mon 08 Jun 2026." in three  # 7 June 2026 is a Sunday


def test_overnight_stay_leaves_the_next_day_without_a_clock(pathway07) -> None:
    events = _events(pathway07)
    driver = events["driver"]
    assert driver.decoded("dtstart") == date(2026, 11, 27)
    assert driver.decoded("dtend") == date(2026, 11, 28)
    assert "lie-flat" not in events
    observation = events["observation"]
    assert "15 to 30 minutes" not in str(observation["description"])
    assert observation.decoded("dtend") == datetime(2026, 11, 26, 14, 15, tzinfo=NEW_YORK)


def test_same_inputs_same_file(pathway) -> None:
    def ics() -> bytes:
        return render_ics(pathway, time_zone=NEW_YORK, now=NOW, clinic=CLINIC)

    assert ics() == ics()
