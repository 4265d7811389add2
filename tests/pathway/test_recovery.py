"""Recovery timeline and follow-up dates, computed from the procedure's end."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kypho.pathway import (
    RECOVERY_STEPS,
    StepKind,
    add_months,
    follow_up_visits,
    recovery_pathway,
    recovery_timeline,
)

END = datetime(2026, 3, 10, 10, 15)


def _by_key() -> dict[str, object]:
    return {i.key: i for i in recovery_timeline(END)}


def test_timeline_items_at_their_times() -> None:
    items = _by_key()
    obs = items["observation"]
    assert (obs.starts_at, obs.ends_at) == (END, END + timedelta(minutes=30))
    flat = items["lie-flat"]
    assert flat.starts_at == datetime(2026, 3, 10, 10, 45)
    assert flat.ends_at == datetime(2026, 3, 10, 11, 45)
    rest = items["rest"]
    assert (rest.starts_at, rest.ends_at) == (flat.ends_at, datetime(2026, 3, 10, 15, 45))
    assert items["pain-relief"].starts_at == datetime(2026, 3, 11, 10, 15)
    assert items["activity"].starts_at == datetime(2026, 3, 12, 10, 15)
    lifting = items["no-lifting"]
    assert lifting.ends_at - lifting.starts_at == timedelta(weeks=6)
    assert "5 lb (2.3 kg)" in lifting.title
    assert items["warning-signs"].kind is StepKind.WARNING


def test_timeline_covers_every_required_item() -> None:
    text = " ".join(s.title.lower() for s in RECOVERY_STEPS)
    for phrase in ("observation 15-30", "driver", "1 hour lying flat", "4 more hours",
                   "24 h", "48 h", "ice", "static glutes", "ankle pumps",
                   "transversus abdominis", "quadriceps", "chest pain", "weakness",
                   "fever", "bladder"):  # fmt: skip
        assert phrase in text, phrase
    assert all(s.citations for s in RECOVERY_STEPS)


def test_timeline_is_in_time_order() -> None:
    starts = [i.starts_at for i in recovery_timeline(END)]
    assert starts == sorted(starts)


def test_follow_up_visits_dates() -> None:
    first, m3, m6, m12 = follow_up_visits(date(2026, 3, 10))
    assert (first.earliest, first.target, first.latest) == (
        date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7))  # fmt: skip
    assert [v.target for v in (m3, m6, m12)] == [date(2026, 6, 10), date(2026, 9, 10),
                                                 date(2027, 3, 10)]  # fmt: skip
    assert m3.earliest == date(2026, 5, 27)
    assert all(v.citations for v in (first, m3, m6, m12))


def test_add_months_clips_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_pathway_includes_osteoporosis_follow_through() -> None:
    pathway = recovery_pathway(END)
    assert pathway.visits[0].earliest == date(2026, 3, 24)
    assert any("bone mineral density" in s for s in pathway.osteoporosis)
    assert any("program" in s for s in pathway.osteoporosis)
    assert pathway.osteoporosis_citations
