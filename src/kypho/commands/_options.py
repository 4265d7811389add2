"""Parsing shared by commands: dates and output formats, with exit-2 messages."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from kypho.errors import InvalidInput


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def parse_date(option: str, value: str | None, *, default: date) -> date:
    """An ISO date from the command line, or ``default`` when not given.

    >>> parse_date("--on", "2026-02-03", default=date(2000, 1, 1))
    datetime.date(2026, 2, 3)
    """
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option}: expected a date as YYYY-MM-DD, got {value!r}") from None
