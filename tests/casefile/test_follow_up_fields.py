"""Follow-up fields added for the clinic app: bed days, analgesics, osteoporosis, dated fractures.

Old case files (without them) still read; each bound is tested on both sides, and every
refusal names the field by its case-file path.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kypho.casefile import dump_case, parse_case
from kypho.domain import AnalgesicUse, FollowUpVisit, Level, NewFracture, OsteoporosisTreatment
from kypho.errors import InvalidInput

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
EXAMPLE = EXAMPLES / "01-acute-l1-worsening-candidate.json"
VISIT_DAY = "2026-12-20"  # after EX-01's procedure date 2026-11-28


def _with_visit(**fields: Any) -> str:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["follow_up"] = [{"date": VISIT_DAY, **fields}]
    return json.dumps(doc)


def _first_visit(text: str) -> FollowUpVisit:
    visits = parse_case(text, source="x").follow_up
    assert visits
    return visits[0]


def _refusal(**fields: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_case(_with_visit(**fields), source="case.json")
    return str(caught.value)


def test_old_visit_without_the_new_fields_reads_them_as_unknown() -> None:
    visit = _first_visit(_with_visit(nrs=3, new_fractures=["L2"]))

    assert visit.new_fractures == (Level.L2,)
    assert (visit.bed_days_per_month, visit.analgesic_use, visit.osteoporosis_treatment) == (
        None,
        None,
        None,
    )
    assert visit.new_fracture_events is None


def test_every_new_field_is_read_and_written_back() -> None:
    text = _with_visit(
        nrs=3,
        bed_days_per_month=4,
        analgesic_use="opioid",
        osteoporosis_treatment="calcium_vitamin_d",
        new_fractures=["L2", "L3"],
        new_fracture_events=[{"level": "L3", "date": "2026-12-10"}],
    )
    case = parse_case(text, source="x")
    visit = _first_visit(text)

    assert visit.bed_days_per_month == 4
    assert visit.analgesic_use is AnalgesicUse.OPIOID
    assert visit.osteoporosis_treatment is OsteoporosisTreatment.CALCIUM_VITAMIN_D
    assert visit.new_fracture_events == (
        NewFracture(level=Level.L3, diagnosed_on=date(2026, 12, 10)),
    )
    written = json.loads(dump_case(case))["follow_up"][0]
    assert written["new_fracture_events"] == [{"level": "L3", "date": "2026-12-10"}]
    assert written["osteoporosis_treatment"] == "calcium_vitamin_d"
    assert parse_case(dump_case(case), source="again") == case


@pytest.mark.parametrize("days", [0, 31])
def test_bed_days_inside_the_month_are_accepted(days: int) -> None:
    visit = _first_visit(_with_visit(bed_days_per_month=days))
    assert visit.bed_days_per_month == days


@pytest.mark.parametrize("days", [-1, 32, 2.5, "3"])
def test_bed_days_outside_the_month_are_refused_naming_the_field(days: object) -> None:
    message = _refusal(bed_days_per_month=days)
    assert "follow_up[0].bed_days_per_month: expected" in message
    assert "0 to 31 days" in message or "whole number" in message


@pytest.mark.parametrize(
    ("field", "value"), [("analgesic_use", "morphine"), ("osteoporosis_treatment", "hrt")]
)
def test_an_unknown_choice_is_refused_listing_the_choices(field: str, value: str) -> None:
    message = _refusal(**{field: value})
    assert message.startswith(f"case.json: follow_up[0].{field}: expected one of")
    assert f'got "{value}"' in message


def test_a_fracture_diagnosed_on_the_visit_day_is_accepted_and_the_day_after_refused() -> None:
    on_the_day = [{"level": "L2", "date": VISIT_DAY}]
    visit = _first_visit(_with_visit(new_fractures=["L2"], new_fracture_events=on_the_day))
    assert visit.new_fracture_events == (
        NewFracture(level=Level.L2, diagnosed_on=date(2026, 12, 20)),
    )

    message = _refusal(
        new_fractures=["L2"], new_fracture_events=[{"level": "L2", "date": "2026-12-21"}]
    )
    assert "follow_up[0].new_fracture_events[0].date: expected a date from 1900-01-01 " in message
    assert 'got "2026-12-21"' in message


def test_a_dated_fracture_not_listed_in_new_fractures_is_refused() -> None:
    message = _refusal(
        new_fractures=["L2"], new_fracture_events=[{"level": "L4", "date": "2026-12-01"}]
    )
    assert "follow_up[0].new_fracture_events[0].level: expected a level also listed" in message


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ({"level": "L2"}, "new_fracture_events[0].date: required field is missing"),
        ({"level": "L9", "date": "2026-12-01"}, "new_fracture_events[0].level: expected a vert"),
        ({"level": "L2", "date": "2026-02-30"}, "new_fracture_events[0].date: expected a real"),
        ({"level": "L2", "date": "2026-12-01", "x": 1}, "new_fracture_events[0].x: unknown"),
    ],
)
def test_a_malformed_fracture_event_is_refused_naming_its_part(
    event: dict[str, Any], path: str
) -> None:
    assert path in _refusal(new_fractures=["L2"], new_fracture_events=[event])


def test_the_domain_refuses_an_unlisted_or_late_event_too() -> None:
    day = date(2026, 12, 20)
    late = NewFracture(level=Level.L2, diagnosed_on=date(2026, 12, 21))
    with pytest.raises(InvalidInput, match=r"new_fracture_events \(L2\)\.date"):
        FollowUpVisit(visit_date=day, new_fractures=(Level.L2,), new_fracture_events=(late,))
    with pytest.raises(InvalidInput, match=r"new_fracture_events \(L2\)\.level"):
        FollowUpVisit(visit_date=day, new_fractures=(), new_fracture_events=(late,))
    with pytest.raises(InvalidInput, match=r"bed_days_per_month: expected a number from 0 to 31"):
        FollowUpVisit(visit_date=day, bed_days_per_month=32)


def test_a_dated_fracture_before_the_birth_date_is_refused_and_on_it_accepted() -> None:
    events = [{"level": "L2", "date": "1950-03-01"}]
    doc = json.loads(_with_visit(new_fractures=["L2"], new_fracture_events=events))
    doc["patient"]["birth_date"] = "1950-03-01"
    doc["patient"].pop("age_years", None)
    assert _first_visit(json.dumps(doc)).new_fracture_events
    doc["follow_up"][0]["new_fracture_events"][0]["date"] = "1950-02-28"
    with pytest.raises(InvalidInput, match=r"follow_up\[0\]\.new_fracture_events\[0\]\.date"):
        parse_case(json.dumps(doc), source="case.json")
