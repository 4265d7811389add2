"""Every saved state of a patient's details, so a correction never loses the old values.

A patient never corrected has no rows here (its one state is the ``patients`` row, version
1). The first correction stores version 1 (the details as they were, ``saved_by`` unknown,
``saved_at`` the patient's ``created_at``) and version 2 (the corrected details, by whom and
when); each later correction adds one row. The row whose ``version`` equals
``patients.version`` is what ``patients`` holds now. PHI: read it as ``patients`` is read.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kypho.store.base import Base, UtcDateTime, utcnow


class PatientVersion(Base):
    """One saved state of a patient's name, MRN and birth date (widths as in ``patients``)."""

    __tablename__ = "patient_versions"
    __table_args__ = (UniqueConstraint("patient_id", "version", name="patient_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    mrn: Mapped[str] = mapped_column(String(64))  # not unique: an MRN corrected away stays here
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
