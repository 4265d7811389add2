"""An acknowledged write survives the server being killed (SIGKILL) mid-burst.

A few threads post new cases (POST /api/cases, the contract body, a coordinator's bearer
token, distinct case ids) to a live Uvicorn process; once ``ACKED_BEFORE_KILL`` answers
of 201 have come back, the process is killed with SIGKILL (no shutdown code runs). The
server is started again on the same database and every acknowledged case must be there,
whole: its row, version 1 of its case file, its patient and its audit event. On SQLite
``PRAGMA integrity_check`` must say ``ok``. Writes that were in flight may or may not be
there, but none may be half there.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

from kypho.store.engine import make_engine
from web.browser.kypho_case_bodies import case_body
from web.browser.kypho_live_server import LiveServer, seed_users

WRITER_THREADS = 4
ACKED_BEFORE_KILL = 40
BURST_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 45.0  # above SQLITE_BUSY_TIMEOUT_S (30 s): a writer that waits is not lost


class Burst:
    """Writers that post distinct cases until told to stop; records each 201."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()
        self.acked: dict[str, int] = {}  # case_ref -> id, from 201 answers only
        self.refused: list[tuple[int, str]] = []  # any answer but 201 (a bug, or no route)
        self.lost: list[str] = []  # transport errors: expected only once the server is killed
        self.stop = threading.Event()

    def write(self) -> None:
        timeout = REQUEST_TIMEOUT_S
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=timeout) as http:
            while not self.stop.is_set():
                with self.lock:
                    number = next(self.numbers)
                body = case_body(number, prefix="DUR")
                try:
                    answer = http.post("/api/cases", json=body)
                except httpx.TransportError as err:
                    with self.lock:
                        self.lost.append(f"{type(err).__name__} after {len(self.acked)} acked")
                    return  # the server is gone (or stopped answering: see run_until_killed)
                with self.lock:
                    if answer.status_code == 201:
                        self.acked[body["case"]["case_id"]] = answer.json()["id"]
                    else:
                        self.refused.append((answer.status_code, answer.text[:300]))
                        self.stop.set()

    def run_until_killed(self, server: LiveServer) -> None:
        threads = [threading.Thread(target=self.write) for _ in range(WRITER_THREADS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + BURST_TIMEOUT_S
        while len(self.acked) < ACKED_BEFORE_KILL and not self.stop.is_set():
            alive = any(thread.is_alive() for thread in threads)
            assert alive, (
                f"every writer lost the server before it was killed: {self.lost}; "
                f"server log: {server.log_tail(1500)}"
            )
            assert time.monotonic() < deadline, f"only {len(self.acked)} writes acknowledged"
            time.sleep(0.01)
        server.kill()
        self.stop.set()
        for thread in threads:
            thread.join(timeout=60)


def _check_whole(db_url: str, acked: dict[str, int]) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.case_ref, c.id, COUNT(DISTINCT v.id), COUNT(DISTINCT p.id), "
                    "COUNT(DISTINCT a.id) FROM cases c "
                    "LEFT JOIN case_versions v ON v.case_id = c.id AND v.version = 1 "
                    "LEFT JOIN patients p ON p.id = c.patient_id "
                    "LEFT JOIN audit_events a ON a.record_type = 'case' AND a.action = 'create' "
                    "AND a.record_id = CAST(c.id AS VARCHAR(64)) "
                    "GROUP BY c.case_ref, c.id"
                )
            ).all()
            stored = {row[0]: tuple(row[1:]) for row in rows}
            missing = sorted(set(acked) - set(stored))
            assert not missing, f"acknowledged but lost after SIGKILL: {missing}"
            for ref, pk in acked.items():
                assert stored[ref][0] == pk
            half = {ref: parts for ref, parts in stored.items() if parts[1:] != (1, 1, 1)}
            assert not half, f"cases without their version 1, patient or audit event: {half}"
            if engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        engine.dispose()


def test_acknowledged_cases_survive_sigkill(any_engine_url: str, tmp_path: Path) -> None:
    users = seed_users(any_engine_url)
    server = LiveServer(db_url=any_engine_url, data_dir=tmp_path / "data",
                        log_path=tmp_path / "server.log")  # fmt: skip
    burst = Burst(server.start().url, users["coordinator"].token)
    try:
        burst.run_until_killed(server)
    finally:
        server.stop()
    assert not burst.refused, f"writes refused during the burst: {burst.refused[:3]}"
    assert server.process is not None and server.process.returncode == -9  # SIGKILL
    assert len(burst.acked) >= ACKED_BEFORE_KILL

    again = LiveServer(db_url=any_engine_url, data_dir=tmp_path / "data",
                       log_path=tmp_path / "server-again.log")  # fmt: skip
    headers = {"Authorization": f"Bearer {users['coordinator'].token}"}
    with again, httpx.Client(base_url=again.url, headers=headers, timeout=30.0) as http:
        for ref, pk in sorted(burst.acked.items()):
            answer = http.get(f"/api/cases/{pk}")
            assert answer.status_code == 200, (ref, answer.status_code, answer.text[:300])
            got = answer.json()
            assert (got["case_ref"], got["case"]["case_id"], got["version"]) == (ref, ref, 1)
    _check_whole(any_engine_url, burst.acked)
