"""Parsing shared by commands: dates and output formats, with exit-2 messages."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from kypho.errors import InvalidInput


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SUMMARY = "summary"


def optional_date(option: str, value: str | None) -> date | None:
    """An ISO date from the command line, or None when the option was not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{option}: expected a date as YYYY-MM-DD, got {value!r}") from None


def parse_date(option: str, value: str | None, *, default: date) -> date:
    """An ISO date from the command line, or ``default`` when not given.

    >>> parse_date("--on", "2026-02-03", default=date(2000, 1, 1))
    datetime.date(2026, 2, 3)
    """
    found = optional_date(option, value)
    return default if found is None else found
