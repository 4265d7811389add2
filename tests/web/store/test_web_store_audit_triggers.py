"""The database itself refuses to change or remove audit events (migration 0001's triggers).

The rows are written the way the app writes them (``record_event`` in a transaction);
then plain SQL, as a person with database access would type it, tries to rewrite them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from kypho.store import schema
from kypho.store.audit import Actor, record_event
from kypho.store.engine import make_engine, session_factory, transaction

CLERK = Actor(user_id=None, username="clerk", role="coordinator", ip="10.0.0.7")
REFUSED = (
    "UPDATE audit_events SET action = 'nothing', detail = 'rewritten'",
    "UPDATE audit_events SET username = 'someone else' WHERE action = 'read'",
    "DELETE FROM audit_events",
    "DELETE FROM audit_events WHERE record_id = '42'",
)


@pytest.fixture
def engine(any_engine_url: str) -> Iterator[Engine]:
    made = make_engine(any_engine_url)
    schema.upgrade(made)
    with transaction(session_factory(made)) as db:
        record_event(db, CLERK, action="read", record_type="case", record_id=42, case_id=42,
                     detail="version 1")  # fmt: skip
        record_event(db, CLERK, action="update", record_type="case", record_id=42, case_id=42,
                     detail="version 2")  # fmt: skip
    yield made
    made.dispose()


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        query = "SELECT id, username, action, record_id, detail FROM audit_events ORDER BY id"
        return [tuple(row) for row in connection.execute(text(query))]


@pytest.mark.parametrize("statement", REFUSED)
def test_update_and_delete_are_refused(engine: Engine, statement: str) -> None:
    before = _rows(engine)
    assert [row[2] for row in before] == ["read", "update"]
    with pytest.raises(DBAPIError, match="audit_events is append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert _rows(engine) == before


def test_truncate_is_refused(engine: Engine) -> None:
    """PostgreSQL's trigger refuses TRUNCATE; SQLite has no TRUNCATE statement at all."""
    refusal = "append-only: TRUNCATE" if engine.dialect.name == "postgresql" else "syntax error"
    before = _rows(engine)
    with pytest.raises(DBAPIError, match=refusal), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
    assert _rows(engine) == before


def test_appending_still_works(engine: Engine) -> None:
    with transaction(session_factory(engine)) as db:
        record_event(db, CLERK, action="export", record_type="audit", record_id="csv")
    assert [row[2] for row in _rows(engine)] == ["read", "update", "export"]
