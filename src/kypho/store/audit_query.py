"""Reading the audit trail: filters, pages and a CSV export. Never updates or deletes a row.

Dates in a filter are the clinic's calendar days (``settings.time_zone``); ``to`` is
inclusive. The export is streamed in batches from its own database session.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kypho.domain.calendar_dates import calendar_date
from kypho.store.base import MAX_ROW_ID
from kypho.store.models import AuditEvent
from kypho.web.security.password_rules import InvalidField

PAGE_ROWS = 50  # project convention: one screen of the admin view
EXPORT_BATCH_ROWS = 500  # rows fetched per round trip while streaming the CSV
CSV_COLUMNS = ("id", "at", "user_id", "username", "role", "action", "record_type",
               "record_id", "case_id", "ip", "detail")  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    username: str = ""
    action: str = ""
    record_type: str = ""
    case_id: int | None = None
    since: date | None = None  # first day, inclusive
    until: date | None = None  # last day, inclusive

    def used(self) -> list[str]:
        """The names of the filters in use (safe for an audit event's detail)."""
        return [f.name for f in fields(self) if getattr(self, f.name) not in ("", None)]


def _day(field: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return calendar_date(text)
    except ValueError:
        raise InvalidField(field, f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _case_id(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidField("case_id", f"expected a case number (digits), got {text!r}")
    if len(text) > len(str(MAX_ROW_ID)) or int(text) > MAX_ROW_ID:
        raise InvalidField(
            "case_id", f"expected a case number up to {MAX_ROW_ID:,}, got {text[:24]}"
        )
    return int(text)


def parse_filter(raw: Mapping[str, str]) -> AuditFilter:
    """A filter from query parameters user, action, record_type, case_id, from, to."""
    text = {key: (raw.get(key) or "").strip() for key in
            ("user", "action", "record_type", "case_id", "from", "to")}  # fmt: skip
    found = AuditFilter(
        username=text["user"],
        action=text["action"],
        record_type=text["record_type"],
        case_id=_case_id(text["case_id"]),
        since=_day("from", text["from"]),
        until=_day("to", text["to"]),
    )
    if found.since and found.until and found.since > found.until:
        raise InvalidField("to", f"expected a day on or after {found.since}, got {found.until}")
    return found


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _where(query: Select[Any], wanted: AuditFilter, zone: ZoneInfo) -> Select[Any]:
    exact = {
        AuditEvent.username: wanted.username,
        AuditEvent.action: wanted.action,
        AuditEvent.record_type: wanted.record_type,
        AuditEvent.case_id: wanted.case_id,
    }
    for column, value in exact.items():
        if value not in ("", None):
            query = query.where(column == value)
    if wanted.since:
        query = query.where(AuditEvent.at >= _start_of(wanted.since, zone))
    if wanted.until:
        query = query.where(AuditEvent.at < _start_of(wanted.until + timedelta(days=1), zone))
    return query


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditPage:
    items: list[AuditEvent]
    total: int
    page: int
    pages: int


def count_events(db: Session, wanted: AuditFilter, *, zone: ZoneInfo) -> int:
    return db.scalar(_where(select(func.count(AuditEvent.id)), wanted, zone)) or 0


def page_of_events(db: Session, wanted: AuditFilter, *, zone: ZoneInfo, page: int) -> AuditPage:
    """Page ``page`` (from 1) of the matching events, newest first."""
    total = count_events(db, wanted, zone=zone)
    pages = max(1, -(-total // PAGE_ROWS))
    page = min(max(page, 1), pages)
    query = _where(select(AuditEvent), wanted, zone).order_by(AuditEvent.id.desc())
    items = list(db.scalars(query.offset((page - 1) * PAGE_ROWS).limit(PAGE_ROWS)))
    return AuditPage(items=items, total=total, page=page, pages=pages)


def event_row(event: AuditEvent) -> dict[str, Any]:
    """One event as plain values (the JSON API and the CSV columns)."""
    return {name: getattr(event, name) for name in CSV_COLUMNS} | {"at": event.at.isoformat()}


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else _defused(str(v)) for v in values])
    return out.getvalue()


def _defused(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection advice)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(db: Session, wanted: AuditFilter, *, zone: ZoneInfo) -> Iterator[str]:
    """The header row, then one line per matching event, oldest first."""
    yield _csv_line(list(CSV_COLUMNS))
    query = _where(select(AuditEvent), wanted, zone).order_by(AuditEvent.id)
    for event in db.scalars(query.execution_options(yield_per=EXPORT_BATCH_ROWS)):
        row = event_row(event)
        yield _csv_line([row[name] for name in CSV_COLUMNS])
