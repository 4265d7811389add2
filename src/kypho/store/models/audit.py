"""The audit trail: one row per read or change of patient data. Append-only.

The app never updates or deletes a row; the migration adds database triggers that refuse
UPDATE and DELETE on this table, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kypho.store.base import Base, UtcDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64))  # kept as it was, even if renamed
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))  # read, create, update, sign, export...
    record_type: Mapped[str] = mapped_column(String(40))  # case, patient, plan, document...
    record_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")  # no names or identifiers here
