"""Measurements: the uploaded file, the results and the picture."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kypho.store.base import Base, UtcDateTime, utcnow


class Measurement(Base):
    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))  # nifti, zip (per-structure folder), landmarks
    upload: Mapped[bytes] = mapped_column(LargeBinary)
    upload_sha256: Mapped[str] = mapped_column(String(64))
    results: Mapped[str] = mapped_column(Text)  # the measurement JSON
    picture_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    added_in_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
