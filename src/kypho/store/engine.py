"""Engines and sessions: SQLite (WAL, foreign keys on, full sync) or PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Project conventions. The app lets REQUEST_SLOTS requests in at once (kypho.web.app), and
# each may hold two connections (its session, and a refresh of due stage rows apart), so
# the pool never makes a request wait on another that waits for a thread.
POOL_SIZE = 40
POOL_OVERFLOW = 40
SQLITE_BUSY_TIMEOUT_S = 30  # project convention: writers wait, they do not fail at once


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a crash
    cursor.close()


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing."""
    parsed = make_url(url)
    # Bound parameters hold names and MRNs: never in a log or an error message.
    options.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault(
            "connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        )
        if parsed.database and parsed.database != ":memory:":
            options.setdefault("pool_size", POOL_SIZE)
            options.setdefault("max_overflow", POOL_OVERFLOW)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 5)  # as SQLAlchemy; PostgreSQL allows 100 in all
    options.setdefault("max_overflow", POOL_OVERFLOW)
    return create_engine(url, **options)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed if the block ends normally, rolled back otherwise."""
    with factory() as session, session.begin():
        yield session
