"""Patients (PHI stays here), cases with every edit kept as a version, stored assessments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kypho.store.base import Base, UtcDateTime, utcnow


class Patient(Base):
    """A patient: ``version`` is the optimistic-concurrency token of a details correction
    (each correction kept in ``patient_versions``, kypho.store.models.patient_versions)."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Case(Base):
    """A case: the current version number is the optimistic-concurrency token."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(64), unique=True)  # the case file's case_id
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    referred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CaseVersion(Base):
    """One saved state of a case: the case file JSON, exactly as the CLI reads it."""

    __tablename__ = "case_versions"
    __table_args__ = (UniqueConstraint("case_id", "version", name="case_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)  # case file JSON
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")


class Assessment(Base):
    """A stored decision: reproducible from the case version, policy version and as-of date."""

    __tablename__ = "assessments"
    # The latest assessment per policy of a case (worklist, case page).
    __table_args__ = (Index("ix_assessments_case_policy", "case_id", "policy_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_version: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(100))
    on_date: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(Text)  # the assessment JSON (docs/assessment-json.md)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
