"""Screening findings: the flagged levels of an archive screen, in the liaison queue.

One row per study and level of a ``kypho screen`` run's worklist (``screening.parquet``)
with a flag or a failure; re-importing the same run adds nothing (unique on the run's
SHA-256, the study and the level). A finding is a screening result, never a diagnosis.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kypho.store.base import Base, UtcDateTime, utcnow


class ScreeningFinding(Base):
    __tablename__ = "screening_findings"
    __table_args__ = (
        UniqueConstraint("run_sha256", "study_id", "level", name="screening_finding_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_sha256: Mapped[str] = mapped_column(String(64), index=True)  # the Parquet file's
    study_id: Mapped[str] = mapped_column(String(200))  # as the archive names it (PHI: here only)
    level: Mapped[str] = mapped_column(String(8))  # "" for a study that was not screened
    priority: Mapped[int] = mapped_column(Integer, index=True)  # 1 first (screening.types)
    priority_reason: Mapped[str] = mapped_column(Text)
    genant_grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height_loss_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    flag_fracture: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_low_density: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_limited: Mapped[bool] = mapped_column(Boolean, default=False)
    trabecular_median_hu: Mapped[float | None] = mapped_column(Float, nullable=True)
    density_reason: Mapped[str] = mapped_column(Text, default="")
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    thumbnail_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
