"""Benchmark: the CDS Hooks order-sign call with prefetch supplied, beside a bare endpoint.

Run: .venv/bin/python bench/bench_cds.py [--seconds 10] [--clients 20] [--example 09-discitis]

Starts the app (``kypho_cds_support:live_app``: the clinic app with the CDS settings,
``KYPHO_CDS_REQUIRE_JWT=false`` so the figure is the decision, not the client's key
handling) with one Uvicorn worker on loopback, and ``bench_web:bare_app`` the same way in
the same run. For ``--seconds`` per cell, ``--clients`` concurrent clients post
``order-sign`` for a CPT 22514 draft order with every prefetch key filled from an example
case's FHIR export (the card and the CRD system action are built on each call), or GET
``/bare``. Prints p50, p99 (ms) and calls/s per cell, the ratio of each to the bare
endpoint, and every answer that was not 200. Client and server share the machine's cores
(one asyncio client process), so the bare endpoint's rate is this harness's ceiling.
Issue 11 aims at p99 under 100 ms at 20 concurrent calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CDS_TESTS = ROOT / "tests" / "interop" / "cds_hooks"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(CDS_TESTS))
sys.path.insert(0, str(Path(__file__).resolve().parent))
REQUEST_TIMEOUT_S = 60.0
PID = "bench-1"


from bench_web import Cell  # noqa: E402 (one cell type for both web benches)


def order_sign_body(example: str) -> dict[str, Any]:
    from kypho_cds_support import EXAMPLES, draft_order, hook_body, prefetch_of

    from kypho.casefile import load_case

    prefetch = prefetch_of(load_case(EXAMPLES / f"{example}.json"), PID)
    return hook_body("order-sign", PID, prefetch, [draft_order("22514", PID)])


async def _client(http: Any, cell: Cell, body: dict[str, Any] | None, until: float) -> None:
    import httpx2 as httpx

    while time.perf_counter() < until:
        t0 = time.perf_counter()
        try:
            if body is None:
                answer = await http.get("/bare")
            else:
                answer = await http.post("/cds-services/kypho-order-sign", json=body)
        except httpx.TransportError as err:
            cell.statuses[type(err).__name__] += 1
            continue
        if answer.status_code == 200 and (body is None or answer.json()["cards"]):
            cell.latencies_s.append(time.perf_counter() - t0)
        else:
            cell.statuses[str(answer.status_code)] += 1


async def measure(url: str, name: str, body: dict[str, Any] | None, clients: int,
                  seconds: float) -> Cell:  # fmt: skip
    import httpx2 as httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_S) as http:
        cell = Cell(name, clients)
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(http, cell, body, t0 + seconds) for _ in range(clients)))
        cell.elapsed_s = time.perf_counter() - t0
    return cell


def print_table(cells: list[Cell]) -> None:
    bare = {c.clients: c for c in cells if c.name == "bare"}
    print(f"\n{'endpoint':<12}{'clients':>8}{'p50 ms':>10}{'p99 ms':>10}{'calls/s':>10}"
          f"{'p50 x bare':>12}{'p99 x bare':>12}{'bare / rate':>12}  other answers")  # fmt: skip
    for c in cells:
        b = bare[c.clients]
        ratio = b.rate / c.rate if c.rate else float("inf")
        others = ", ".join(f"{k}: {v}" for k, v in sorted(c.statuses.items())) or "none"
        times = f"{c.p(50) / b.p(50):>12.1f}{c.p(99) / b.p(99):>12.1f}{ratio:>12.1f}"
        print(f"{c.name:<12}{c.clients:>8}{c.p(50):>10.1f}{c.p(99):>10.1f}{c.rate:>10.1f}"
              f"{times}  {others}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--clients", default="20", help="comma-separated counts")
    parser.add_argument("--example", default="09-discitis", help="examples/cases/NAME.json")
    args = parser.parse_args(argv)
    from web.browser.kypho_live_server import LiveServer

    folder = Path(tempfile.mkdtemp(prefix="kypho-bench-cds-"))
    db_url = f"sqlite:///{folder / 'kypho.sqlite3'}"
    body = order_sign_body(args.example)
    print(f"order-sign body: {len(json.dumps(body)):,} bytes of JSON ({args.example})")
    path = f"{CDS_TESTS}:{ROOT / 'tests'}"
    app = LiveServer(db_url=db_url, data_dir=folder / "data", log_path=folder / "app.log",
                     app="kypho_cds_support:live_app",
                     extra_env={"KYPHO_CDS_REQUIRE_JWT": "false", "PYTHONPATH": path})  # fmt: skip
    bare = LiveServer(db_url=db_url, data_dir=folder / "bare", log_path=folder / "bare.log",
                      app="bench_web:bare_app",
                      extra_env={"PYTHONPATH": str(Path(__file__).resolve().parent)})  # fmt: skip
    cells: list[Cell] = []
    with bare, app:
        for clients in (int(n) for n in args.clients.split(",")):
            cells.append(asyncio.run(measure(bare.url, "bare", None, clients, args.seconds)))
            cell = asyncio.run(measure(app.url, "order-sign", body, clients, args.seconds))
            cells.append(cell)
            print(f"order-sign x {clients}: {len(cell.latencies_s)} answered", flush=True)
    print_table(cells)
    print(f"\nserver log: {folder / 'app.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
