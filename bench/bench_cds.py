"""Benchmark: the CDS Hooks order-sign call with prefetch supplied, beside a bare endpoint.

Run: .venv/bin/python bench/bench_cds.py [--seconds 10] [--clients 20] [--example 09-discitis]

Starts the app (``kypho_cds_support:live_app``: the clinic app with the CDS settings,
``KYPHO_CDS_REQUIRE_JWT=false`` so the figure is the decision, not the client's key
handling) with one Uvicorn worker on loopback, and ``bench_web:bare_app`` the same way in
the same run. For ``--seconds`` per cell, ``--clients`` concurrent clients post
``order-sign`` for a CPT 22514 draft order with every prefetch key filled from an example
case's FHIR export (the card and the CRD system action are built on each call), or GET
``/bare``. Prints p50, p99 (ms) and calls/s per cell, the ratio of each to the bare
endpoint, and every answer that was not 200. Each cell starts with one untimed round (a
call per client: open connections, and whatever first-call work the app's start-up
warm-up left; before that warm-up, a 5 s cell measured mostly that round). Client and
server share the machine's cores (one asyncio client process), so the bare endpoint's
rate is the ceiling of any answer on this machine, client and server together.
The clients are ``raw_http`` connections writing one prepared request (0.1-0.3 ms of CPU
a call); ``--client httpx`` uses httpx instead (1.6-2.0 ms a call, CPU the server then
lacks). Either way each answer is checked: a 200, and for order-sign a card.
Issue 11 aims at p99 under 100 ms at 20 concurrent calls. ``--workers N``: N worker
processes each for the app and the bare endpoint, each on its own listener as ``kypho
serve --workers`` runs them (``kypho.web.workers``); the server's CPU columns then count
the supervisor and all its workers.

``--in-process N``: no server; N order-sign calls (and N bare ones) through the ASGI app
itself (``httpx.ASGITransport``, one call at a time), printing the CPU time per call of
this process (app and client together; the bare line is the harness's own share), then
the server's share alone: the same calls handed to the ASGI app directly (no client),
the least of ``SERVER_ROUNDS`` rounds (the machine is shared: the least is the one the
others disturbed least). With ``--profile``, the top of a cProfile of the order-sign
calls: the worker thread's part (``_answer_bytes``: parse, decide, serialise) and the
event loop's (routing, dependencies, the thread hop), each on its own (cProfile sees one
thread).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CDS_TESTS = ROOT / "tests" / "interop" / "cds_hooks"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(CDS_TESTS))
sys.path.insert(0, str(Path(__file__).resolve().parent))
REQUEST_TIMEOUT_S = 60.0
PID = "bench-1"
MRN = "BENCH-0001"  # matches no stored patient
SERVER_ROUNDS = 5  # --in-process: rounds of N/SERVER_ROUNDS calls, the least kept


from bench_web import Cell, tree_cpu_s  # noqa: E402 (one cell type for both web benches)
from raw_http import AnswerError, Connection, request_bytes  # noqa: E402


def order_sign_body(example: str) -> dict[str, Any]:
    from kypho_cds_support import EXAMPLES, draft_order, hook_body, prefetch_of

    from kypho.casefile import load_case

    prefetch = prefetch_of(load_case(EXAMPLES / f"{example}.json"), PID)
    # as an EHR sends it: with an MRN, so each call looks the case link up (none is found)
    prefetch["patient"]["identifier"] = [{"system": "urn:example:mrn", "value": MRN}]
    return hook_body("order-sign", PID, prefetch, [draft_order("22514", PID)])


async def _client(
    http: Any, cell: Cell, body: dict[str, Any] | None, until: float, *, once: bool = False
) -> None:
    import httpx2 as httpx

    while once or time.perf_counter() < until:
        once = False
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


async def _raw_client(
    connection: Connection, cell: Cell, request: bytes, sign: bool, until: float,
    *, once: bool = False,
) -> None:  # fmt: skip
    """As ``_client``, on one prepared request (``raw_http``): the same checks of each answer."""
    while once or time.perf_counter() < until:
        once = False
        t0 = time.perf_counter()
        try:
            answer = await connection.call(request)
        except (AnswerError, ConnectionError) as err:
            cell.statuses[type(err).__name__] += 1
            return  # the connection is unusable; the others go on
        if answer.status == 200 and (not sign or json.loads(answer.body)["cards"]):
            cell.latencies_s.append(time.perf_counter() - t0)
        else:
            cell.statuses[str(answer.status)] += 1


# A cell's clients: given the cell, when to stop and whether to make one call only, one
# loop per client, ready to gather.
ClientLoops = Callable[[Cell, float, bool], list[Coroutine[Any, Any, None]]]


async def _timed_cell(name: str, clients: int, seconds: float, pid: int,
                      loops: ClientLoops) -> Cell:  # fmt: skip
    """One untimed round (open connections, first-call work), then the cell."""
    await asyncio.gather(*loops(Cell(name, clients), 0.0, True))
    cell = Cell(name, clients)
    t0, cpu0, mine0 = time.perf_counter(), tree_cpu_s(pid), time.process_time()
    await asyncio.gather(*loops(cell, t0 + seconds, False))
    cell.elapsed_s = time.perf_counter() - t0
    cell.server_cpu_s = tree_cpu_s(pid) - cpu0
    CLIENT_CPU_S[id(cell)] = time.process_time() - mine0
    cell.answered = len(cell.latencies_s) + sum(cell.statuses.values())
    return cell


async def measure(url: str, name: str, body: dict[str, Any] | None, clients: int,
                  seconds: float, pid: int, client: str = "raw") -> Cell:  # fmt: skip
    if client == "raw":
        return await _measure_raw(url, name, body, clients, seconds, pid)
    import httpx2 as httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_S) as http:
        return await _timed_cell(name, clients, seconds, pid, lambda cell, until, once: [
            _client(http, cell, body, until, once=once) for _ in range(clients)])  # fmt: skip


async def _measure_raw(url: str, name: str, body: dict[str, Any] | None, clients: int,
                       seconds: float, pid: int) -> Cell:  # fmt: skip
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if body is None:
        request = request_bytes("GET", "/bare", parts.netloc)
    else:
        raw = json.dumps(body).encode("utf-8")
        request = request_bytes("POST", "/cds-services/kypho-order-sign", parts.netloc, raw)
    connections = [await Connection.open(host, port) for _ in range(clients)]
    try:
        return await _timed_cell(name, clients, seconds, pid, lambda cell, until, once: [
            _raw_client(c, cell, request, body is not None, until, once=once)
            for c in connections])  # fmt: skip
    finally:
        for connection in connections:
            await connection.close()


CLIENT_CPU_S: dict[int, float] = {}  # the client process's CPU over each cell, by id


def print_table(cells: list[Cell]) -> None:
    bare = {c.clients: c for c in cells if c.name == "bare"}
    print(f"\n{'endpoint':<12}{'clients':>8}{'p50 ms':>10}{'p99 ms':>10}{'calls/s':>10}"
          f"{'p50 x bare':>12}{'p99 x bare':>12}{'bare / rate':>12}{'srv ms/call':>12}"
          f"{'client ms':>10}  other answers")  # fmt: skip
    for c in cells:
        b = bare[c.clients]
        ratio = b.rate / c.rate if c.rate else float("inf")
        others = ", ".join(f"{k}: {v}" for k, v in sorted(c.statuses.items())) or "none"
        client_ms = 1000 * CLIENT_CPU_S.get(id(c), float("nan")) / max(c.answered, 1)
        times = (f"{c.p(50) / b.p(50):>12.1f}{c.p(99) / b.p(99):>12.1f}{ratio:>12.1f}"
                 f"{c.cpu_ms:>12.2f}{client_ms:>10.2f}")  # fmt: skip
        print(f"{c.name:<12}{c.clients:>8}{c.p(50):>10.1f}{c.p(99):>10.1f}{c.rate:>10.1f}"
              f"{times}  {others}")  # fmt: skip


def _in_process_app(folder: Path) -> Any:
    from kypho_cds_support import CdsSettings

    from kypho.store.engine import make_engine
    from kypho.store.schema import upgrade
    from kypho.web.app import create_app

    engine = make_engine(f"sqlite:///{folder / 'kypho.sqlite3'}")
    upgrade(engine)
    settings = CdsSettings(data_dir=folder / "data", secret_key="bench-" + "x" * 40,
                           cds_require_jwt=False)  # fmt: skip
    return create_app(settings, engine=engine)


async def _cpu_per_call_ms(app: Any, body: dict[str, Any] | None, calls: int) -> float:
    import httpx2 as httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

        async def one() -> None:
            if body is None:
                answer = await http.get("/bare")
            else:
                answer = await http.post("/cds-services/kypho-order-sign", json=body)
            assert answer.status_code == 200, answer.text

        for _ in range(5):  # warm: policies compiled, caches filled
            await one()
        t0 = time.process_time()
        for _ in range(calls):
            await one()
        return 1000 * (time.process_time() - t0) / calls


async def _asgi_call(app: Any, method: str, path: str, raw: bytes) -> None:
    """One request handed to the ASGI app as a server would (no HTTP client)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
             "server": ("bench", 80), "state": {},
             "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(raw)).encode())]}  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # the body is read: the next message would be the client leaving
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    assert statuses == [200], statuses


async def _server_cpu_per_call_ms(app: Any, body: dict[str, Any] | None, calls: int) -> float:
    raw = b"" if body is None else json.dumps(body).encode("utf-8")
    method, path = ("GET", "/bare") if body is None else ("POST", "/cds-services/kypho-order-sign")
    for _ in range(5):  # warm, as _cpu_per_call_ms
        await _asgi_call(app, method, path, raw)
    per_round = max(1, calls // SERVER_ROUNDS)
    rounds = []
    for _ in range(SERVER_ROUNDS):
        t0 = time.process_time()
        for _ in range(per_round):
            await _asgi_call(app, method, path, raw)
        rounds.append(1000 * (time.process_time() - t0) / per_round)
    return min(rounds)


def in_process(body: dict[str, Any], calls: int, profile: bool) -> int:
    from bench_web import bare_app

    app = _in_process_app(Path(tempfile.mkdtemp(prefix="kypho-bench-cds-")))
    bare = bare_app()
    bare_ms = asyncio.run(_cpu_per_call_ms(bare, None, calls))
    sign_ms = asyncio.run(_cpu_per_call_ms(app, body, calls))
    print(f"CPU per call, in process: order-sign {sign_ms:.2f} ms, bare {bare_ms:.2f} ms")
    bare_ms = asyncio.run(_server_cpu_per_call_ms(bare, None, calls))
    sign_ms = asyncio.run(_server_cpu_per_call_ms(app, body, calls))
    print(f"CPU per call, server only (least of {SERVER_ROUNDS} rounds): "
          f"order-sign {sign_ms:.2f} ms, bare {bare_ms:.2f} ms")  # fmt: skip
    if profile:
        _profile(app, body, calls)
    return 0


def _profile(app: Any, body: dict[str, Any], calls: int) -> None:
    """cProfile of the calls: the worker thread's part and the event loop's, apart."""
    import cProfile
    import pstats

    from kypho.web.pages import cds_hooks as page

    worker, loop = cProfile.Profile(), cProfile.Profile()
    real = page._answer_bytes
    page._answer_bytes = lambda call: worker.runcall(real, call)  # one call at a time
    try:
        loop.enable()
        asyncio.run(_cpu_per_call_ms(app, body, calls))
        loop.disable()
    finally:
        page._answer_bytes = real
    print("\n== worker thread (_answer_bytes: parse, link, decide, serialise) ==")
    pstats.Stats(worker).sort_stats("cumulative").print_stats(30)
    print("== event loop (framework, thread hop, client; 'poll' is waiting) ==")
    pstats.Stats(loop).sort_stats("tottime").print_stats(15)


def _upgrade(db_url: str) -> None:
    from kypho.store.engine import make_engine
    from kypho.store.schema import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--clients", default="20", help="comma-separated counts")
    parser.add_argument("--example", default="09-discitis", help="examples/cases/NAME.json")
    parser.add_argument("--in-process", type=int, default=0, metavar="N", help="calls")
    parser.add_argument("--profile", action="store_true", help="with --in-process")
    parser.add_argument("--workers", type=int, default=1, help="server processes, a listener each")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="the load generator's HTTP client (raw_http: least CPU)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.in_process:
        return in_process(order_sign_body(args.example), args.in_process, args.profile)
    from web.browser.kypho_live_server import LiveServer

    folder = Path(tempfile.mkdtemp(prefix="kypho-bench-cds-"))
    db_url = f"sqlite:///{folder / 'kypho.sqlite3'}"
    body = order_sign_body(args.example)
    print(f"order-sign body: {len(json.dumps(body)):,} bytes of JSON ({args.example}); "
          f"{args.workers} worker(s) each for the app and the bare endpoint")  # fmt: skip
    _upgrade(db_url)  # once, before any worker starts (each would upgrade an empty one)
    path = f"{CDS_TESTS}:{ROOT / 'tests'}"
    app = LiveServer(db_url=db_url, data_dir=folder / "data", log_path=folder / "app.log",
                     app="kypho_cds_support:live_app",
                     extra_env={"KYPHO_CDS_REQUIRE_JWT": "false", "PYTHONPATH": path},
                     workers=args.workers)  # fmt: skip
    bare = LiveServer(db_url=db_url, data_dir=folder / "bare", log_path=folder / "bare.log",
                      app="bench_web:bare_app",
                      extra_env={"PYTHONPATH": str(Path(__file__).resolve().parent)},
                      workers=args.workers)  # fmt: skip
    cells: list[Cell] = []
    with bare, app:
        for clients in (int(n) for n in args.clients.split(",")):
            assert bare.process is not None and app.process is not None  # started
            cells.append(asyncio.run(measure(bare.url, "bare", None, clients, args.seconds,
                                             bare.process.pid, args.client)))  # fmt: skip
            cell = asyncio.run(measure(app.url, "order-sign", body, clients, args.seconds,
                                       app.process.pid, args.client))  # fmt: skip
            cells.append(cell)
            print(f"order-sign x {clients}: {len(cell.latencies_s)} answered", flush=True)
    print_table(cells)
    print(f"\nserver log: {folder / 'app.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
