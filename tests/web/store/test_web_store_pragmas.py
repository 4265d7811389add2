"""SQLite: every connection the engine opens has WAL journaling and foreign keys on."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kypho.store import schema
from kypho.store.engine import make_engine

CONNECTIONS = 4  # several at once: each is a new DBAPI connection, each must be set up


def test_every_connection_has_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kypho.sqlite3'}")
    schema.upgrade(engine)
    with ExitStack() as stack:
        connections = [stack.enter_context(engine.connect()) for _ in range(CONNECTIONS)]
        raw = {id(c.connection.dbapi_connection) for c in connections}
        assert len(raw) == CONNECTIONS
        for connection in connections:
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    engine.dispose()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kypho.sqlite3'}")
    schema.upgrade(engine)
    orphan = (
        "INSERT INTO cases (case_ref, patient_id, version, created_at, updated_at) "
        "VALUES ('ORPHAN-1', 999, 1, '2026-11-21 10:00:00', '2026-11-21 10:00:00')"
    )
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), engine.begin() as connection:
        connection.execute(text(orphan))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM cases")) == 0
    engine.dispose()
