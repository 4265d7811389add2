"""The write gate: writers in turn, reads that never write, their audit rows in groups.

On a real database file (SQLite) and a real server (PostgreSQL): many threads at once,
each row counted afterwards. The fair lock's order is checked with threads that arrive
one after another.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from kypho.errors import Unavailable
from kypho.store import write_gate
from kypho.store.audit import SYSTEM, record_event
from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent, Room
from kypho.store.schema import upgrade
from kypho.store.write_gate import (
    ReadOnlyViolation,
    _FairLock,
    begin_write,
    gate_for,
    read_only,
    write_deferred,
)

THREADS = 16
ROUNDS = 10


def _audit_count(engine: Engine, detail: str) -> int:
    with session_factory(engine)() as db:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.detail == detail)
        return int(db.scalar(query) or 0)


def test_fair_lock_serves_waiters_in_the_order_they_came() -> None:
    lock = _FairLock()
    assert lock.acquire(1.0)
    order: list[int] = []
    threads = []
    for n in range(5):
        thread = threading.Thread(target=lambda n=n: (lock.acquire(5.0), order.append(n),
                                                      lock.release()))  # fmt: skip
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # each waiter is queued before the next one starts
    lock.release()
    for thread in threads:
        thread.join(5.0)
    assert order == [0, 1, 2, 3, 4]


def test_fair_lock_gives_up_a_wait_that_times_out_and_serves_the_next() -> None:
    lock = _FairLock()
    assert lock.acquire(1.0)
    assert lock.acquire(0.05) is False  # held: the wait ends, its place is given up
    lock.release()
    assert lock.acquire(0.05) is True  # nobody left in the queue holds it


def test_a_writer_waiting_past_the_limit_gets_a_message_not_a_hang(
    web_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if web_engine.dialect.name != "sqlite":
        pytest.skip("only SQLite serialises writers in the process")
    upgrade(web_engine)
    monkeypatch.setattr(write_gate, "GATE_WAIT_S", 0.1)
    factory = session_factory(web_engine)
    with factory() as first, factory() as second:
        begin_write(first)
        with pytest.raises(Unavailable, match="write lock within 0 s"):
            begin_write(second)
        first.rollback()  # the gate is given back with the transaction
        begin_write(second)
        second.rollback()


def test_a_read_only_session_refuses_to_write(web_engine: Engine) -> None:
    upgrade(web_engine)
    with session_factory(web_engine)() as db:
        read_only(db)
        db.add(Room(name="Suite 9"))
        with pytest.raises(ReadOnlyViolation, match="tried to write"):
            db.flush()
        db.rollback()
    with session_factory(web_engine)() as db:
        assert db.scalar(select(Room).where(Room.name == "Suite 9")) is None


def test_a_reads_audit_row_is_written_only_by_write_deferred(web_engine: Engine) -> None:
    upgrade(web_engine)
    with session_factory(web_engine)() as db:
        read_only(db)
        record_event(db, SYSTEM, action="read", record_type="case", record_id=1, detail="kept")
        db.commit()
        assert _audit_count(web_engine, "kept") == 0  # kept aside, not in the transaction
        write_deferred(db)
    assert _audit_count(web_engine, "kept") == 1


def test_many_readers_and_writers_at_once_lose_nothing(web_engine: Engine) -> None:
    """16 threads, each 10 times: a read's audit row (grouped) and a write of its own."""
    upgrade(web_engine)
    factory = session_factory(web_engine)

    def reader_and_writer(n: int) -> None:
        for k in range(ROUNDS):
            with factory() as db:
                read_only(db)
                db.scalar(select(func.count()).select_from(Room))
                record_event(db, SYSTEM, action="read", record_type="room", record_id=n,
                             detail="grouped read")  # fmt: skip
                db.commit()
                write_deferred(db)
            with factory() as db, db.begin():
                db.scalar(select(func.count()).select_from(Room))  # a read before the write
                db.add(Room(name=f"Room {n}-{k}"))
                record_event(db, SYSTEM, action="create", record_type="room", record_id=n,
                             detail="own write")  # fmt: skip

    with ThreadPoolExecutor(THREADS) as pool:
        for done in [pool.submit(reader_and_writer, n) for n in range(THREADS)]:
            done.result()  # re-raises "database is locked", if any
    assert _audit_count(web_engine, "grouped read") == THREADS * ROUNDS
    assert _audit_count(web_engine, "own write") == THREADS * ROUNDS
    with factory() as db:
        rooms = db.scalar(select(func.count()).select_from(Room).where(Room.name.like("Room %")))
    assert rooms == THREADS * ROUNDS


def test_one_engine_one_gate(web_engine: Engine) -> None:
    assert gate_for(web_engine) is gate_for(web_engine)
    assert gate_for(web_engine).serial is (web_engine.dialect.name == "sqlite")
