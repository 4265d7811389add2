"""Recovery timeline and follow-up dates, computed from the procedure's end and discharge."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kypho.casefile import load_case
from kypho.pathway import RECOVERY_STEPS, StepKind, add_months, follow_up_visits
from kypho.pathway.recovery import recovery_steps, recovery_timeline, span_words
from kypho.pathway.schedule import nearest_weekday, pathway_for_plan, recovery_pathway
from kypho.planning import build_plan
from kypho.planning.types import Discharge
from kypho.rules import assess, load_policy

END = datetime(2026, 3, 10, 10, 15)  # a Tuesday
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
OFFICE = {"discharge": Discharge.SAME_DAY_OFFICE, "observation_low_min": 15,
          "observation_high_min": 30}  # fmt: skip


def _by_key(**kwargs: object) -> dict[str, object]:
    return {i.key: i for i in recovery_timeline(END, **(kwargs or OFFICE))}


def test_office_timeline_items_at_their_times() -> None:
    items = _by_key()
    obs = items["observation"]
    assert (obs.starts_at, obs.ends_at) == (END, END + timedelta(minutes=30))
    assert obs.plain == "Our staff will watch you for 15 to 30 minutes before you leave."
    assert items["driver"].starts_at == datetime(2026, 3, 10, 10, 45)
    flat = items["lie-flat"]
    assert (flat.starts_at, flat.ends_at) == (datetime(2026, 3, 10, 10, 45),
                                              datetime(2026, 3, 10, 11, 45))  # fmt: skip
    rest = items["rest"]
    assert (rest.starts_at, rest.ends_at) == (flat.ends_at, datetime(2026, 3, 10, 15, 45))
    assert items["pain-relief"].starts_at == datetime(2026, 3, 11, 10, 15)
    assert items["activity"].starts_at == datetime(2026, 3, 12, 10, 15)
    assert items["no-driving"].ends_at == datetime(2026, 3, 12, 10, 15)
    lifting = items["no-lifting"]
    assert lifting.ends_at - lifting.starts_at == timedelta(weeks=6)
    assert "5 lb (2.3 kg)" in lifting.title
    assert {k for k, i in items.items() if i.kind is StepKind.WARNING} == {
        "warning-911",
        "warning-call",
    }


def test_same_day_after_recovery_hours_then_home() -> None:
    items = _by_key(discharge=Discharge.SAME_DAY_AFTER_RECOVERY, observation_low_min=120,
                    observation_high_min=240)  # fmt: skip
    assert items["observation"].ends_at == datetime(2026, 3, 10, 14, 15)
    assert "about 2 to 4 hours" in items["observation"].plain
    assert items["driver"].starts_at == datetime(2026, 3, 10, 14, 15)
    assert items["lie-flat"].starts_at == datetime(2026, 3, 10, 14, 15)
    assert not items["driver"].day_only


def test_overnight_stay_has_no_office_steps_and_leaves_next_day() -> None:
    items = _by_key(discharge=Discharge.OVERNIGHT, observation_low_min=120,
                    observation_high_min=240)  # fmt: skip
    assert "lie-flat" not in items and "rest" not in items
    assert "15 to 30" not in items["observation"].plain
    assert "stay in the hospital for the night" in items["observation"].plain
    driver = items["driver"]
    assert driver.day_only and driver.starts_at.date() == date(2026, 3, 11)
    assert items["ice"].starts_at == END


def test_inpatient_goes_back_to_the_ward_without_a_driver_step() -> None:
    items = _by_key(discharge=Discharge.INPATIENT, observation_low_min=60, observation_high_min=120)
    assert "driver" not in items and "lie-flat" not in items
    assert "go back to your hospital room" in items["observation"].plain
    assert "Someone else must drive you home." in items["observation"].plain


def test_timeline_covers_every_required_item() -> None:
    steps = recovery_steps(Discharge.SAME_DAY_OFFICE, observation_low_min=15,
                           observation_high_min=30)  # fmt: skip
    text = " ".join(s.title.lower() for s in steps)
    for phrase in (
        "observation 15-30",
        "driver",
        "1 hour lying flat",
        "4 more hours",
        "24 h",
        "48 h",
        "ice",
        "static glutes",
        "ankle pumps",
        "transversus abdominis",
        "quadriceps",
        "chest pain",
        "weakness",
        "fever",
        "bladder",
        "no driving for 2 days",
        "opioids",
        "bandages",
        "shower",
        "head raised",
        "log-roll",
        "falls",
        "stroke",
        "leg swelling",
    ):
        assert phrase in text, phrase
    assert all(s.citations for s in steps)
    assert set(RECOVERY_STEPS) <= set(steps)


def test_timeline_is_in_time_order() -> None:
    starts = [i.starts_at for i in recovery_timeline(END, **OFFICE)]
    assert starts == sorted(starts)


def test_span_words() -> None:
    assert span_words(15, 30) == "15 to 30 minutes"
    assert span_words(60, 119) == "60 to 119 minutes"  # just under 2 hours: minutes
    assert span_words(60, 120) == "1 to 2 hours"  # from 2 hours: hours


def test_follow_up_visits_dates() -> None:
    first, m3, m6, m12 = follow_up_visits(date(2026, 3, 10))
    assert (first.earliest, first.target, first.latest) == (
        date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7))  # fmt: skip
    assert [v.target for v in (m3, m6, m12)] == [date(2026, 6, 10), date(2026, 9, 10),
                                                 date(2027, 3, 10)]  # fmt: skip
    assert m3.earliest == date(2026, 5, 27)
    assert all(v.citations for v in (first, m3, m6, m12))


def test_visit_targets_move_off_weekends() -> None:
    first, m3, m6, m12 = follow_up_visits(date(2026, 3, 7))  # a Saturday
    assert first.target == date(2026, 3, 27)  # day 21 = Sat 28 Mar -> Fri 27 Mar
    assert m3.target == date(2026, 6, 8)  # Sun 7 Jun -> Mon 8 Jun
    assert m6.target == date(2026, 9, 7)  # Mon 7 Sep stays
    assert m12.target == date(2027, 3, 8)  # Sun 7 Mar 2027 -> Mon 8 Mar
    assert all(v.target.weekday() < 5 for v in (first, m3, m6, m12))


def test_nearest_weekday_at_the_window_edges() -> None:
    sat, sun = date(2026, 3, 28), date(2026, 3, 29)
    assert nearest_weekday(sat, earliest=sat, latest=date(2026, 4, 3)) == date(2026, 3, 30)
    assert nearest_weekday(sun, earliest=date(2026, 3, 23), latest=sun) == date(2026, 3, 27)
    assert nearest_weekday(sat, earliest=sat, latest=sun) == sat  # no weekday in the window


def test_add_months_clips_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_pathway_includes_osteoporosis_follow_through() -> None:
    pathway = recovery_pathway(END, **OFFICE)
    assert pathway.visits[0].earliest == date(2026, 3, 24)
    assert any("bone mineral density" in s for s in pathway.osteoporosis)
    assert any("program" in s for s in pathway.osteoporosis)
    assert pathway.osteoporosis_citations


def test_observation_minutes_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="observation_low_min <= observation_high_min"):
        recovery_pathway(END, discharge=Discharge.SAME_DAY_OFFICE, observation_low_min=30,
                         observation_high_min=15)  # fmt: skip


@pytest.mark.parametrize(
    ("stem", "override", "discharge", "high_min"),
    [("01-acute-l1-worsening-candidate", None, Discharge.SAME_DAY_OFFICE, 30),
     ("07-four-levels-one-session", "four levels agreed", Discharge.OVERNIGHT, 240)],
)  # fmt: skip
def test_pathway_follows_the_plan(stem: str, override, discharge, high_min: int) -> None:
    case = load_case(EXAMPLES / f"{stem}.json")
    assessment = assess(case, load_policy("practice"), on=date(2026, 11, 21))
    plan = build_plan(case, assessment, procedure_date=date(2026, 11, 26), override_reason=override)
    pathway = pathway_for_plan(plan, procedure_end=datetime(2026, 11, 26, 10, 0))
    assert (pathway.discharge, pathway.observation_high_min) == (discharge, high_min)
    observation = next(i for i in pathway.timeline if i.key == "observation")
    assert observation.ends_at == datetime(2026, 11, 26, 10, 0) + timedelta(minutes=high_min)
