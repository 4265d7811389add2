"""The procedure window: day bounds, the assessment date, closed and empty windows."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from builders import ON, candidate, days_ago

from kypho.casefile import load_case
from kypho.domain import ConservativeTreatment, NsmModality, Response
from kypho.rules import Assessment, ProcedureWindow, WindowConstraint, assess, load_policy
from kypho.rules.explain import as_markdown, as_text
from kypho.rules.report import assessment_to_dict
from kypho.rules.window import NO_REDO, day_bounds

MEDICARE = load_policy("medicare-l34106")
PRACTICE = load_policy("practice")
EX03 = Path(__file__).resolve().parents[2] / "examples" / "cases" / "03-chronic-t8-healed.json"


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (">=", 14, (14, None)),  # 14 days of care is enough: day 14 itself holds
        (">", 14, (15, None)),
        ("<=", 84, (None, 84)),  # day 84 holds, day 85 does not
        ("<", 84, (None, 83)),
        (">=", 13.5, (14, None)),  # whole days: 13 < 13.5, 14 >= 13.5
        (">", 13.5, (14, None)),
        ("<=", 30.5, (None, 30)),
        ("<", 30.5, (None, 30)),
        ("==", 7, (7, 7)),
        ("==", 7.5, (None, None)),  # no whole day equals 7.5
        ("!=", 7, (None, None)),
    ],
)
def test_day_bounds(op: str, value: float, expected: tuple[int | None, int | None]) -> None:
    assert day_bounds(op, value) == expected


def _care(start_days_ago: int) -> tuple[ConservativeTreatment, ...]:
    start = days_ago(start_days_ago)
    return (
        ConservativeTreatment(
            modality=NsmModality.ANALGESICS, start_date=start, response=Response.UNCHANGED
        ),
    )


def _care_constraint(start_days_ago: int) -> WindowConstraint:
    case = replace(candidate(), conservative_care=_care(start_days_ago))
    window = assess(case, PRACTICE, on=ON).procedure_window
    assert window is not None
    return next(c for c in window.constraints if c.criterion_id == "conservative-care-2-weeks")


def test_care_at_least_14_days_opens_on_day_14_of_care() -> None:
    # care started 5 days ago: day 14 of care is 9 days from now
    care = _care_constraint(5)
    assert (care.earliest, care.latest) == (days_ago(-9), None)
    assert care.failure_on(days_ago(-8)) == f"not yet held (holds from {days_ago(-9)})"
    assert care.failure_on(days_ago(-9)) is None


def test_window_never_starts_before_the_assessment_date() -> None:
    # care began 28 days ago, so that criterion has held for 14 days; the window opens today
    window = assess(candidate(), PRACTICE, on=ON).procedure_window
    assert window is not None
    assert _care_constraint(28).earliest == days_ago(14)
    assert window.earliest == ON
    assert not window.empty and not window.closed
    assert window.contains(ON) and not window.contains(days_ago(1))


def test_window_opens_later_when_a_criterion_holds_later() -> None:
    case = replace(candidate(), conservative_care=_care(5))
    window = assess(case, PRACTICE, on=ON).procedure_window
    assert window is not None
    assert window.earliest == days_ago(-9)
    assert not window.contains(days_ago(-8)) and window.contains(days_ago(-9))


def test_failing_on_says_not_yet_held_before_and_no_longer_holds_after() -> None:
    case = replace(candidate(), conservative_care=_care(5))
    window = assess(case, PRACTICE, on=ON).procedure_window
    assert window is not None
    # imaging 10 days ago stays valid 30 days: through 20 days from now
    assert window.latest == days_ago(-20)
    early = window.failing_on(days_ago(-8))
    assert [(c.criterion_id, why) for c, why in early] == [
        ("conservative-care-2-weeks", f"not yet held (holds from {days_ago(-9)})")
    ]
    assert window.failing_on(days_ago(-9)) == ()
    assert window.failing_on(days_ago(-20)) == ()
    late = window.failing_on(days_ago(-21))
    assert [c.criterion_id for c, _ in late] == ["imaging-within-30-days"]
    why = late[0][1]
    assert why.startswith(f"no longer holds (held until {days_ago(-20)}; Repeat the imaging")
    assert late[0][0].text.startswith("L1: ")  # the constraint names its level and criterion


def test_a_day_before_the_assessment_date_fails_the_assessment_date() -> None:
    window = assess(candidate(), PRACTICE, on=ON).procedure_window
    assert window is not None
    failing = window.failing_on(days_ago(1))
    assert [(c.criterion_id, why) for c, why in failing] == [
        ("assessment-date", f"not yet held (holds from {ON})")
    ]
    assert window.failing_on(ON) == ()


def test_a_window_with_no_constraint_bounding_the_end_is_open_ended() -> None:
    c = WindowConstraint(
        criterion_id="c", text="care", earliest=date(2026, 11, 1), latest=None, redo_after=""
    )
    window = ProcedureWindow(on=ON, earliest=ON, latest=None, constraints=(c,))
    assert not window.empty and not window.closed
    assert window.contains(date(2030, 1, 1))
    assert "Procedure window: 2026-11-21 to open-ended" in as_text(_with_window(window))


def _with_window(window: ProcedureWindow) -> Assessment:
    return replace(assess(candidate(), PRACTICE, on=ON), procedure_window=window)


def test_closed_window_is_empty_in_text_and_json_ex03_medicare() -> None:
    # EX-03: onset 2026-06-24; the 12-week limit passed on 2026-09-16, long before 2026-11-21
    a = assess(load_case(EX03), MEDICARE, on=ON)
    window = a.procedure_window
    assert window is not None
    assert window.latest == date(2026, 9, 16)
    assert window.earliest == ON
    assert window.empty and window.closed
    assert not window.contains(ON) and not window.contains(date(2026, 9, 16))
    text = as_text(a)
    assert "Procedure window: NONE (it closed on 2026-09-16, before the assessment date" in text
    assert "now to" not in text
    assert "on 2026-11-21: no longer holds (held until 2026-09-16; Nothing can be redone" in text
    doc = json.loads(json.dumps(assessment_to_dict(a)))["procedure_window"]
    assert doc["empty"] is True and doc["closed"] is True
    assert (doc["earliest"], doc["latest"]) == ("2026-11-21", "2026-09-16")
    assert "NONE" in as_markdown(a)


@pytest.mark.parametrize(("onset_days", "empty"), [(84, False), (85, True)])
def test_window_on_the_last_day_is_open_and_the_day_after_closed(
    onset_days: int, empty: bool
) -> None:
    a = assess(candidate(onset_days=onset_days), MEDICARE, on=ON)
    assert a.procedure_window is not None
    assert a.procedure_window.empty is empty
    assert assessment_to_dict(a)["procedure_window"]["empty"] is empty


def test_constraints_that_never_overlap_make_an_empty_window() -> None:
    opens = WindowConstraint(
        criterion_id="a", text="a", earliest=days_ago(-30), latest=None, redo_after=""
    )
    closes = WindowConstraint(
        criterion_id="b", text="b", earliest=None, latest=days_ago(-10), redo_after="redo b"
    )
    window = ProcedureWindow(
        on=ON, earliest=days_ago(-30), latest=days_ago(-10), constraints=(opens, closes)
    )
    assert window.empty and not window.closed
    text = as_text(_with_window(window))
    assert "the criteria never hold together" in text
    assert all(window.failing_on(days_ago(-n)) for n in (0, 10, 20, 30, 40))


def test_a_criterion_without_redo_text_says_what_to_do() -> None:
    c = WindowConstraint(criterion_id="c", text="t", earliest=None, latest=ON, redo_after=NO_REDO)
    assert c.failure_on(days_ago(-1)) == f"no longer holds (held until {ON}; {NO_REDO})"
    assert "this criterion no longer holds" not in NO_REDO


def test_no_dated_criterion_means_no_window() -> None:
    a = assess(replace(candidate(), fractures=None, imaging=None), MEDICARE, on=ON)
    assert a.procedure_window is None
    assert "no time-based criterion could be dated" in as_text(a)
    assert assessment_to_dict(a)["procedure_window"] is None
