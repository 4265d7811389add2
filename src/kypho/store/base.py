"""The declarative base, constraint naming (so migrations are stable) and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Every id is an INTEGER column: PostgreSQL's integer holds at most 2**31 - 1, the smaller
# of the two engines' limits (SQLite's is 2**63 - 1). A larger id names no row.
MAX_ROW_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (stored as UTC on every engine)."""
    return datetime.now(UTC)


def utc_minute(moment: datetime) -> str:
    """A stored time as kypho shows it: to the minute, in UTC, saying so.

    >>> utc_minute(datetime(2026, 12, 3, 9, 15, 42, tzinfo=UTC))
    '2026-12-03 09:15 UTC'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def zone_minute(moment: datetime, zone: tzinfo) -> str:
    """A stored time as kypho shows it in ``zone`` (the clinic's): to the minute, naming
    the zone.

    >>> from zoneinfo import ZoneInfo
    >>> zone_minute(datetime(2026, 12, 3, 9, 15, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    '2026-12-03 10:15 CET'
    """
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime: expected a timezone-aware datetime, got a naive one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
