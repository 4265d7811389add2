"""One writer at a time on SQLite, taken in turn; the audit rows of reads written in groups.

SQLite has one write lock per database file, and its busy handler polls for it with
sleeps: under 50 concurrent writers some wait past any time-out while others get in
again and again (measured: ``bench/bench_web.py``, "database is locked"). So, per engine:

- **The gate.** A session takes the engine's gate, an in-process lock, at its first
  write (a flush with changes, or an ORM INSERT, UPDATE or DELETE), and gives it back
  when its transaction ends. Writers queue on the lock instead of polling SQLite's, and
  (a fair lock: first come, first served) and pysqlite opens the transaction (``BEGIN``)
  only at that first write, so a read made
  before it never holds an old snapshot. ``begin_write`` takes it before a check that
  must not race (a room booked twice). Another process still meets SQLite's busy
  time-out. PostgreSQL has row locks of its own: no gate there.
- **Read-only sessions.** A request that only reads (GET) marks its session with
  ``read_only``: it never takes the gate, so readers never wait for each other. Its audit
  events (``kypho.store.audit.record_event``) and its sign-in bookkeeping (``touch``) are
  kept aside and written by ``write_deferred`` before the answer is sent, **grouped**:
  the thread that gets the gate writes every row waiting at that moment in one
  transaction (one fsync), and the threads whose rows it wrote just return. An answer
  still means its audit row is on disk. Any other write in a read-only session is a
  programming error and raises ``ReadOnlyViolation``.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, event, insert, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from kypho.errors import Unavailable

GATE_WAIT_S = 30.0  # project convention, as SQLite's busy time-out (store.engine)
_GATE = "kypho.write_gate"  # key in Session.info: the gate this session holds
_READ_ONLY = "kypho.read_only"  # key in Session.info: rows kept aside (a _Deferred)

T = TypeVar("T")


class ReadOnlyViolation(RuntimeError):
    """A read-only session (a GET request's) tried to write: a bug, never a user error."""


@dataclass(slots=True)
class _Deferred:
    """What a read-only session keeps aside: rows to insert, columns to update."""

    inserts: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[Any, Any, dict[str, Any]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.inserts or self.updates)


@dataclass(slots=True, eq=False)
class _Ticket:
    work: _Deferred
    done: bool = False
    error: BaseException | None = None


class _FairLock:
    """A lock handed to its waiters in the order they came (``threading.Lock`` is not:
    a thread that lets go may take it straight back, and a waiter can starve)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._queue: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn in self._queue:  # still waiting: give up the place
                self._queue.remove(turn)
                return False
        return True  # handed over just as the wait ended

    def release(self) -> None:
        with self._mutex:
            if self._queue:
                self._queue.popleft().set()  # ownership passes, _held stays True
            else:
                self._held = False


class WriteGate:
    """The engine's writer lock (SQLite) and its queue of deferred rows (any engine)."""

    def __init__(self, engine: Engine) -> None:
        self.serial = engine.dialect.name == "sqlite"
        self._lock = _FairLock()  # SQLite: every writer; PostgreSQL: the groups only
        self._mutex = threading.Lock()  # guards _waiting
        self._waiting: list[_Ticket] = []
        self._engine_ref = weakref.ref(engine)

    def acquire(self) -> None:
        if not self._lock.acquire(GATE_WAIT_S):
            raise Unavailable(
                f"database: expected the write lock within {GATE_WAIT_S:.0f} s, found it "
                "still held; try again in a moment"
            )

    def release(self) -> None:
        self._lock.release()

    def write_group(self, work: _Deferred) -> None:
        """Write ``work``, with whatever else waits, in one transaction; return when on disk."""
        ticket = _Ticket(work)
        with self._mutex:
            self._waiting.append(ticket)
        self.acquire()
        try:
            if not ticket.done:
                with self._mutex:
                    group, self._waiting = self._waiting, []
                self._write(group)
        finally:
            self.release()
        if ticket.error is not None:
            raise ticket.error

    def _write(self, group: list[_Ticket]) -> None:
        engine = self._engine_ref()
        try:
            if engine is None:
                raise Unavailable("database: the engine was closed before the audit was written")
            with engine.begin() as connection:
                for ticket in group:
                    for model, values in ticket.work.inserts:
                        connection.execute(insert(model), values)
                    for model, key, values in ticket.work.updates:
                        connection.execute(update(model).where(model.id == key).values(values))
        except BaseException as err:
            for ticket in group:
                ticket.error, ticket.done = err, True
            raise
        for ticket in group:
            ticket.done = True


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()
_GATES_LOCK = threading.Lock()


def gate_for(engine: Engine) -> WriteGate:
    with _GATES_LOCK:
        gate = _GATES.get(engine)
        if gate is None:
            gate = _GATES[engine] = WriteGate(engine)
        return gate


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def read_only(session: Session) -> None:
    """Mark ``session`` read-only: its audit rows and touches are written by ``write_deferred``."""
    session.info[_READ_ONLY] = _Deferred()


def is_read_only(session: Session) -> bool:
    return _READ_ONLY in session.info


def begin_write(session: Session) -> None:
    """Take the engine's gate now (SQLite), before a check that must not race a writer."""
    if _GATE in session.info:
        return
    if _READ_ONLY in session.info:
        raise ReadOnlyViolation("a read-only session (a GET request) tried to write")
    gate = gate_for(_engine_of(session))
    if gate.serial:
        if not session.in_transaction():
            session.begin()  # so that the transaction's end gives the gate back
        gate.acquire()
        session.info[_GATE] = gate


def defer_insert(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """Keep a row aside if ``session`` is read-only (True), else leave it to the caller."""
    deferred = session.info.get(_READ_ONLY)
    if deferred is None:
        return False
    deferred.inserts.append((model, values))
    return True


def touch(session: Session, row: Any, **values: Any) -> None:
    """Set columns of a loaded ``row``: at once, or kept aside in a read-only session."""
    deferred = session.info.get(_READ_ONLY)
    if deferred is None:
        for name, value in values.items():
            setattr(row, name, value)
        return
    deferred.updates.append((type(row), row.id, values))
    for name, value in values.items():
        set_committed_value(row, name, value)  # seen by this request, not a change to flush


def touch_row(session: Session, model: Any, row_id: int, **values: Any) -> None:
    """Set columns of row ``row_id`` of ``model`` (not loaded): at once, or kept aside in a
    read-only session, as ``touch`` does."""
    deferred = session.info.get(_READ_ONLY)
    if deferred is None:
        session.execute(update(model).where(model.id == row_id).values(values))
        return
    deferred.updates.append((model, row_id, values))


def write_deferred(session: Session) -> None:
    """Write what a read-only ``session`` kept aside, grouped with other requests' rows."""
    deferred = session.info.get(_READ_ONLY)
    if deferred:
        session.info[_READ_ONLY] = _Deferred()
        gate_for(_engine_of(session)).write_group(deferred)


def write_apart(session: Session, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction of its own on ``session``'s engine, gate taken first."""
    with Session(bind=session.get_bind(), expire_on_commit=False) as other, other.begin():
        begin_write(other)
        return work(other)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        begin_write(session)


@event.listens_for(Session, "do_orm_execute")
def _do_orm_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        begin_write(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and (gate := session.info.pop(_GATE, None)) is not None:
        gate.release()
