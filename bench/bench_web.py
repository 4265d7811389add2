"""Benchmark: the clinic app's worklist, case page and case save beside a bare endpoint.

Run: .venv/bin/python bench/bench_web.py [--cases 10000] [--seconds 10] [--clients 10,50,100]

Seeds ``--cases`` cases (the examples in ``examples/cases/`` with new case ids, each
assessed under the clinic's policies as the API does) into a fresh SQLite database, one
transaction per ``BATCH_CASES``; starts the app with one Uvicorn worker on loopback
(``--workers N``: N, each on its own listener as ``kypho serve --workers`` runs them,
and the bare endpoint too, CPU counted over all of them); and
for ``--seconds`` per cell drives, at each client count, with a bearer token:

- ``GET /`` (the worklist, first page),
- ``GET /cases/{pk}`` (a case page; each client its own case),
- ``PUT /api/cases/{pk}`` (a save of a new version; each client its own case, so no 409),

beside ``GET /bare``: a FastAPI app that returns ``{"status": "ok"}``, served the same way
in the same run. Prints p50, p99 (ms) and requests/s per cell, the ratio of each to the
bare endpoint, and every answer that was not 2xx or a client time-out. Client and server
share the machine's cores (a single asyncio client process), so the bare endpoint's rate
is the ceiling this harness can measure, not the server's. ``srv ms/req`` is the server
process's CPU time (``/proc/<pid>/stat``) over the cell per answer: what a request costs
the server, whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BATCH_CASES = 500
REQUEST_TIMEOUT_S = 60.0
ASSESSED_ON = date(2026, 11, 20)  # the examples' dates sit in November 2026


def bare_app() -> Any:
    """The bare endpoint (``uvicorn --factory bench_web:bare_app``)."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/bare")
    def bare() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def seed(db_url: str, cases: int) -> dict[str, Any]:
    """Users and ``cases`` assessed cases; returns the seeded users by role."""
    from kypho.casefile import parse_case
    from kypho.config import Settings
    from kypho.store.assessments import assess_and_store
    from kypho.store.audit import SYSTEM
    from kypho.store.cases import PatientDetails, create_case
    from kypho.store.engine import make_engine, session_factory, transaction
    from kypho.workflows.policies import resolve_policies
    from web.browser.kypho_case_bodies import example_case, example_names
    from web.browser.kypho_live_server import seed_users

    users = seed_users(db_url)
    policies = resolve_policies((), (), settings=Settings())
    names = example_names()
    engine = make_engine(db_url)
    factory = session_factory(engine)
    for start in range(0, cases, BATCH_CASES):
        with transaction(factory) as db:
            for n in range(start, min(start + BATCH_CASES, cases)):
                text = _json(example_case(names[n % len(names)], case_id=f"BENCH-{n:06d}"))
                person = PatientDetails(mrn=f"B{n:08d}", name=f"Benchpatient {n}")
                stored = create_case(db, SYSTEM, patient=person, case=parse_case(text))
                assess_and_store(db, SYSTEM, stored, policies, on=ASSESSED_ON)
    engine.dispose()
    return users


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a server and its children (``--workers``: the supervisor and its
    worker processes)."""
    from processes import child_pids  # tests/processes.py

    return server_cpu_s(pid) + sum(server_cpu_s(child) for child in child_pids(pid))


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the server process has used: ``/proc/<pid>/stat``."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Cell:
    name: str
    clients: int
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0  # the server process's CPU over the cell (all its answers)
    answered: int = 0  # every answer, 2xx or not

    @property
    def cpu_ms(self) -> float:
        """Server CPU per answer, ms: load-independent, unlike the latencies."""
        return 1000 * self.server_cpu_s / self.answered if self.answered else float("nan")

    def p(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        if len(self.latencies_s) == 1:
            return self.latencies_s[0] * 1000
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[q - 1] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.elapsed_s if self.elapsed_s else 0.0


class Client:
    """One simulated user: sends its request in a loop until the cell's time is up."""

    def __init__(self, http: Any, kind: str, pk: int | None) -> None:
        self.http, self.kind, self.pk = http, kind, pk
        self.version = 0
        self.case: dict[str, Any] = {}

    async def prepare(self, cell: Cell) -> None:
        """A saving client reads its case first; one that cannot sits the cell out."""
        import httpx2 as httpx

        if self.kind != "save":
            return
        try:
            answer = await self.http.get(f"/api/cases/{self.pk}")
        except httpx.TransportError as err:
            cell.statuses[f"read first: {type(err).__name__}"] += 1
            self.kind = "out"
            return
        if answer.status_code != 200:
            cell.statuses[f"read first: {answer.status_code}"] += 1
            self.kind = "out"
            return
        got = answer.json()
        self.case, self.version = got["case"], got["version"]

    async def once(self) -> Any:
        if self.kind == "bare":
            return await self.http.get("/bare")
        if self.kind == "worklist":
            return await self.http.get("/")
        if self.kind == "case page":
            return await self.http.get(f"/cases/{self.pk}")
        body = {"case": self.case, "expected_version": self.version, "note": "bench"}
        answer = await self.http.put(f"/api/cases/{self.pk}", json=body)
        if answer.status_code == 200:
            self.version = answer.json()["version"]
        return answer

    async def run(self, cell: Cell, until: float) -> None:
        import httpx2 as httpx

        while self.kind != "out" and time.perf_counter() < until:
            t0 = time.perf_counter()
            try:
                answer = await self.once()
            except httpx.TransportError as err:
                cell.statuses[type(err).__name__] += 1
                continue
            if 200 <= answer.status_code < 300:
                cell.latencies_s.append(time.perf_counter() - t0)
            cell.statuses[str(answer.status_code)] += 1
            cell.answered += 1


async def measure(url: str, token: str, kind: str, clients: int, seconds: float,
                  pks: list[int], pid: int) -> Cell:  # fmt: skip
    import httpx2 as httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits,
                                 timeout=REQUEST_TIMEOUT_S) as http:  # fmt: skip
        users = [Client(http, kind, pks[i % len(pks)] if pks else None) for i in range(clients)]
        cell = Cell(kind, clients)
        await asyncio.gather(*(u.prepare(cell) for u in users))
        t0, cpu0 = time.perf_counter(), tree_cpu_s(pid)
        await asyncio.gather(*(u.run(cell, t0 + seconds) for u in users))
        cell.elapsed_s = time.perf_counter() - t0
        cell.server_cpu_s = tree_cpu_s(pid) - cpu0
    return cell


def print_table(cells: list[Cell]) -> None:
    bare = {c.clients: c for c in cells if c.name == "bare"}
    print(f"\n{'endpoint':<12}{'clients':>8}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}"
          f"{'p50 x bare':>12}{'p99 x bare':>12}{'bare / rate':>12}{'srv ms/req':>11}"
          "  answers")  # fmt: skip
    for c in cells:
        b = bare[c.clients]
        ratio = b.rate / c.rate if c.rate else float("inf")
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(c.statuses.items()))
        times = (f"{c.p(50) / b.p(50):>12.1f}{c.p(99) / b.p(99):>12.1f}{ratio:>12.1f}"
                 f"{c.cpu_ms:>11.2f}")  # fmt: skip
        print(f"{c.name:<12}{c.clients:>8}{c.p(50):>10.1f}{c.p(99):>10.1f}{c.rate:>10.1f}"
              f"{times}  {answers}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--clients", default="10,50,100", help="comma-separated counts")
    parser.add_argument("--app", default="kypho.web.app:create_app",
                        help="the app factory to measure (another build, say)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="server processes, a listener each")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.clients.split(",")]
    from web.browser.kypho_live_server import LiveServer

    folder = Path(tempfile.mkdtemp(prefix="kypho-bench-web-"))
    db_url = f"sqlite:///{folder / 'kypho.sqlite3'}"
    t0 = time.perf_counter()
    users = seed(db_url, args.cases)
    print(f"seeded {args.cases} cases in {time.perf_counter() - t0:.1f} s ({folder})")
    token = users["physician"].token
    pks = list(range(1, max(counts) + 1))
    app = LiveServer(db_url=db_url, data_dir=folder / "data", log_path=folder / "app.log",
                     app=args.app, workers=args.workers)  # fmt: skip
    bare = LiveServer(db_url=db_url, data_dir=folder / "bare", log_path=folder / "bare.log",
                      app="bench_web:bare_app",
                      extra_env={"PYTHONPATH": str(Path(__file__).resolve().parent)},
                      workers=args.workers)  # fmt: skip
    print(f"{args.workers} worker(s) each for the app and the bare endpoint")
    cells: list[Cell] = []
    with bare, app:
        for clients in counts:
            assert bare.process is not None and app.process is not None  # started
            cells.append(asyncio.run(measure(bare.url, token, "bare", clients, args.seconds, [],
                                             bare.process.pid)))  # fmt: skip
            for kind in ("worklist", "case page", "save"):
                cell = asyncio.run(measure(app.url, token, kind, clients, args.seconds, pks,
                                           app.process.pid))  # fmt: skip
                cells.append(cell)
                print(f"{kind} x {clients}: {len(cell.latencies_s)} answered", flush=True)
    print_table(cells)
    print(f"\nserver log: {folder / 'app.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
