"""Bring a database to the current schema.

PROVISIONAL (lead's skeleton): ``create_all`` plus the audit triggers. The foundation
work replaces the body with ``alembic upgrade head`` (kypho/store/migrations); callers
keep calling ``upgrade(engine)``.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

import kypho.store.models  # noqa: F401  (registers every table)
from kypho.store.base import Base

AUDIT_TRIGGERS_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)


def upgrade(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            for statement in AUDIT_TRIGGERS_SQLITE:
                conn.execute(text(statement))
