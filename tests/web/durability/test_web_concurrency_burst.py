"""100 clients at once get answers, not errors: reads, their audit rows and writes.

Before the write gate and the request slots (``kypho.store.write_gate``,
``kypho.web.slots``), 100 concurrent requests on SQLite exhausted the connection pool
(500 after its 30 s time-out) and writers polling SQLite's lock gave up ("database is
locked"). A live Uvicorn process on each engine: 100 clients read the worklist and case
pages while 20 save new cases; every answer must be a 2xx, every read must have left its
audit row, and every acknowledged case must be stored. Timing is the benchmark's job
(``bench/bench_web.py``); this test only asks that nothing fails.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import func, select

from kypho.store.engine import make_engine, session_factory
from kypho.store.models import AuditEvent, Case
from web.browser.kypho_case_bodies import case_body
from web.browser.kypho_live_server import LiveServer, seed_users

READERS = 100
WRITERS = 20
CASES_FIRST = 5
REQUEST_TIMEOUT_S = 120.0


async def _burst(url: str, token: str, pks: list[int]) -> tuple[list[int], list[int]]:
    limits = httpx.Limits(max_connections=READERS + WRITERS)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits,
                                 timeout=REQUEST_TIMEOUT_S) as http:  # fmt: skip
        reads = [http.get("/") if n % 2 else http.get(f"/cases/{pks[n % len(pks)]}")
                 for n in range(READERS)]  # fmt: skip
        writes = [http.post("/api/cases", json=case_body(1000 + n, prefix="BURST"))
                  for n in range(WRITERS)]  # fmt: skip
        answers = await asyncio.gather(*reads, *writes)
    return [a.status_code for a in answers[:READERS]], [a.status_code for a in answers[READERS:]]


def _count(db_url: str, query: object) -> int:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as db:
            return int(db.scalar(query) or 0)  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_a_hundred_clients_at_once_get_answers(any_engine_url: str, tmp_path: Path) -> None:
    users = seed_users(any_engine_url)
    token = users["coordinator"].token
    with LiveServer(db_url=any_engine_url, data_dir=tmp_path / "data",
                    log_path=tmp_path / "server.log") as server:  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30.0) as http:
            pks = [http.post("/api/cases", json=case_body(n, prefix="FIRST")).json()["id"]
                   for n in range(CASES_FIRST)]  # fmt: skip
        # On a thread of its own: a test before this one may leave an event loop running
        # on this thread (Playwright's sync API does), and asyncio.run refuses to nest.
        with ThreadPoolExecutor(1) as pool:
            reads, writes = pool.submit(asyncio.run, _burst(server.url, token, pks)).result()
        log = server.log_tail(2000)
    assert sorted(set(reads)) == [200], f"reads answered {sorted(reads)}; server log: {log}"
    assert sorted(set(writes)) == [201], f"writes answered {sorted(writes)}; server log: {log}"
    lists = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "list", AuditEvent.record_id == "worklist")
    )
    assert _count(any_engine_url, lists) == READERS // 2
    page_reads = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "read", AuditEvent.record_type == "case")
    )
    assert _count(any_engine_url, page_reads) >= READERS // 2  # a case page reads its case
    cases = select(func.count()).select_from(Case).where(Case.case_ref.like("BURST%"))
    assert _count(any_engine_url, cases) == WRITERS
