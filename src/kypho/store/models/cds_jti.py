"""CDS Hooks client JWT ids already used (replay protection shared by every app process)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kypho.store.base import Base, UtcDateTime


class CdsJti(Base):
    """One ``jti`` of one issuer, kept until its token's ``exp`` (then pruned)."""

    __tablename__ = "cds_jtis"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of "iss jti"
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
