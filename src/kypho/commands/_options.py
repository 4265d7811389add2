"""Parsing shared by commands: dates and output formats, with exit-2 messages."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from kypho.domain.calendar_dates import calendar_date, calendar_datetime
from kypho.domain.chronology import EARLIEST_DATE, LATEST_DATE
from kypho.errors import InvalidInput


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SUMMARY = "summary"


def _in_range(option: str, day: date, value: str) -> None:
    """The dates a case file may hold (docs/case-format.md) bound the options too."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidInput(
            f"{option}: expected a date from {EARLIEST_DATE} to {LATEST_DATE}, got {value!r}"
        )


def optional_date(option: str, value: str | None) -> date | None:
    """An ISO date from the command line, or None when the option was not given.

    >>> optional_date("--on", "9999-12-31")
    Traceback (most recent call last):
    ...
    kypho.errors.InvalidInput: --on: expected a date from 1900-01-01 to 2199-12-31, got '9999-12-31'
    """
    if value is None:
        return None
    try:
        day = calendar_date(value.strip())
    except ValueError:
        raise InvalidInput(f"{option}: expected a date as YYYY-MM-DD, got {value!r}") from None
    _in_range(option, day, value)
    return day


def optional_datetime(option: str, value: str | None) -> datetime | None:
    """An ISO date and time from the command line, or None when not given.

    >>> optional_datetime("--procedure-end", "2026-03-10T09:40")
    datetime.datetime(2026, 3, 10, 9, 40)
    """
    if value is None:
        return None
    try:
        found = calendar_datetime(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{option}: expected a date and time as YYYY-MM-DDTHH:MM, got {value!r}"
        ) from None
    _in_range(option, found.date(), value)
    return found


def parse_date(option: str, value: str | None, *, default: date) -> date:
    """An ISO date from the command line, or ``default`` when not given.

    >>> parse_date("--on", "2026-02-03", default=date(2000, 1, 1))
    datetime.date(2026, 2, 3)
    """
    found = optional_date(option, value)
    return default if found is None else found
