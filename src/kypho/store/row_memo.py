"""Facts read once off immutable rows (a case version, a stored assessment), by row id.

Case versions and stored assessments are append-only: the app never updates or deletes
one, so a fact read off one stays true. The memo is per engine (another database never
sees it) and bounded; the worklist (``kypho.store.worklist``) and the case page's
checklist (``kypho.store.assessments``) read their JSON fields through it, by the
database's JSON functions, so a later read of the same row skips it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, CursorResult, Engine, Executable, cast, type_coerce
from sqlalchemy.orm import Session

CHUNK = 500  # ids per IN (...) list: well under SQLite's 999 bound parameters
_MEMO_MAX_ENTRIES = 200_000  # project convention: a bound on the memo's memory
_ABSENT = object()
_MEMO: WeakKeyDictionary[Engine, dict[tuple[str, int], Any]] = WeakKeyDictionary()


def as_json(db: Session, column: Any) -> Any:
    """A text column seen as JSON (PostgreSQL needs a cast; SQLite reads the text as is)."""
    if db.get_bind().dialect.name == "sqlite":
        return type_coerce(column, JSON)
    return cast(column, JSON)


def memo_of(db: Session) -> dict[tuple[str, int], Any]:
    """The memo of ``db``'s engine: ``(kind, row id) -> fact``."""
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    memo = _MEMO.setdefault(engine, {})
    if len(memo) > _MEMO_MAX_ENTRIES:
        memo.clear()
    return memo


def cached(memo: dict[tuple[str, int], Any], kind: str, ids: Iterable[int]) -> dict[int, Any]:
    """What the memo holds for ``ids`` (read once per key: another thread may clear it)."""
    held = ((i, memo.get((kind, i), _ABSENT)) for i in ids)
    return {i: value for i, value in held if value is not _ABSENT}


def chunks(ids: list[int]) -> Iterable[list[int]]:
    return (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK))


def read_rows(db: Session, statement: Executable, params: dict[str, Any] | None = None) -> Any:
    """Run a read of plain columns on the session's connection: Core, without the ORM's
    per-statement step (a fifth of a small read's cost), after the flush of pending
    changes that the ORM's autoflush would have made (none pending: no work)."""
    if db.autoflush:
        db.flush()
    result: CursorResult[Any] = db.connection().execute(statement, params or {})
    return result
