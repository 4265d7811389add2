"""Dates as kypho reads them from people: a real calendar date written YYYY-MM-DD.

``date.fromisoformat`` alone also takes ISO week dates (``2026-W47-1``) and the basic form
(``20261121``), which the case format (docs/case-format.md), the forms' messages and the
CLI's help never offer; a clinician who typed one meant something else. Found by the
form fuzz target (issue 15). Digits are ASCII digits only.
"""

from __future__ import annotations

import re
from datetime import date, datetime

CALENDAR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def calendar_date(text: str) -> date:
    """The date ``text`` writes as YYYY-MM-DD; ``ValueError`` for anything else.

    >>> calendar_date("2026-11-21")
    datetime.date(2026, 11, 21)
    >>> calendar_date("2026-W47-6")
    Traceback (most recent call last):
    ValueError: expected a real calendar date written YYYY-MM-DD, got '2026-W47-6'
    """
    if CALENDAR_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # 2026-02-30: no such day
    raise ValueError(f"expected a real calendar date written YYYY-MM-DD, got {text!r}")


def calendar_datetime(text: str) -> datetime:
    """A date and time that starts YYYY-MM-DD (``2026-11-21T10:30``); ``ValueError`` else."""
    if not CALENDAR_DATE.match(text):
        raise ValueError(f"expected a date and time written YYYY-MM-DDTHH:MM, got {text!r}")
    return datetime.fromisoformat(text)
