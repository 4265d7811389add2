"""``calendar_date``: a real date written YYYY-MM-DD, nothing else (issue 15's form finding)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kypho.domain.calendar_dates import calendar_date, calendar_datetime


@pytest.mark.parametrize(("text", "day"), [
    ("2026-11-21", date(2026, 11, 21)),
    ("2028-02-29", date(2028, 2, 29)),  # a leap year
    ("1900-01-01", date(1900, 1, 1)),
])  # fmt: skip
def test_a_calendar_date_is_read(text: str, day: date) -> None:
    assert calendar_date(text) == day


@pytest.mark.parametrize("text", [
    "2026-W48-1",  # an ISO week date: fromisoformat alone reads it as 2026-11-23
    "2026W481",
    "20261123",  # the basic form
    "2026-02-29",  # no such day
    "2026-13-01",
    "2026-11-2",
    " 2026-11-21",
    "2026-11-21T10:00",
    "٢٠٢٦-١١-٢١",  # Arabic-Indic digits
    "",
])  # fmt: skip
def test_anything_else_is_refused(text: str) -> None:
    assert date.fromisoformat("2026-11-21")  # the library reads the plain form too
    with pytest.raises(ValueError, match="expected a real calendar date written YYYY-MM-DD"):
        calendar_date(text)


def test_a_date_and_time_must_start_with_a_calendar_date() -> None:
    assert calendar_datetime("2026-11-21T10:30") == datetime(2026, 11, 21, 10, 30)
    for text in ("2026-W47-6T10:30", "20261121T1030"):
        with pytest.raises(ValueError, match="written YYYY-MM-DD"):
            calendar_datetime(text)
