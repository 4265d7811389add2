"""The stored stage of each case (``case_stages``): the worklist's page is an indexed read.

A row is what ``kypho.store.stages.stage_of`` read off the case on the clinic's clock
``computed_for``; it holds until ``valid_until``, the first moment its stage, next action
or overdue flag could change by the passing of time alone (a follow-up time point coming
due, a window closing, a booked appointment starting; NULL: never by time).
``kypho.store.stage_table`` keeps the rows current: importing this module registers the
session hooks that refresh a case's row in every transaction that changes its records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from kypho.store.base import Base, UtcDateTime, utcnow


class CaseStageRow(Base):
    __tablename__ = "case_stages"
    __table_args__ = (
        # The worklist's order (overdue first, then by case), with and without a stage
        # filter; the second also serves the counts (GROUP BY stage, overdue).
        Index("ix_case_stages_queue", "overdue", "case_id"),
        Index("ix_case_stages_stage_queue", "stage", "overdue", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    overdue: Mapped[bool] = mapped_column(Boolean)
    overdue_reasons: Mapped[str] = mapped_column(Text)  # JSON list: what is late, in words
    next_action: Mapped[str] = mapped_column(Text)
    decisions: Mapped[str] = mapped_column(Text)  # JSON object: policy id -> latest decision
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    computed_for: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # the clock read
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    from kypho.store.stage_table import note_flush  # it imports the models

    note_flush(session)


@event.listens_for(Session, "do_orm_execute")
def _do_orm_execute(state: ORMExecuteState) -> None:
    from kypho.store.stage_table import note_execute

    note_execute(state)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    from kypho.store.stage_table import refresh_noted

    refresh_noted(session)
