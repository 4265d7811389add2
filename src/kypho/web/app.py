"""``create_app``: the clinic app, its database, its routes and its error answers.

Routers are found, not listed: every module under ``kypho.web.routes`` (JSON API, mounted
under ``/api``) and ``kypho.web.pages`` (server-rendered pages) that defines ``router``
is included, in name order.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kypho.config import Settings, load_settings
from kypho.store.engine import make_engine, session_factory
from kypho.web.errors import error_body, install_error_handlers
from kypho.web.row_ids import RefuseOutOfRangeIds
from kypho.web.slots import RequestSlots

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class RouteEntry:
    path: str
    methods: frozenset[str]
    route: APIRoute


def route_table(app: FastAPI) -> list[RouteEntry]:
    """Every API route of ``app`` with its full path (FastAPI's own list nests routers)."""
    entries = [
        RouteEntry(r.path, frozenset(r.methods or ()), r) for r in app.router.routes
        if isinstance(r, APIRoute)
    ]  # fmt: skip
    for prefix, router in app.state.included_routers:
        for r in router.routes:
            if isinstance(r, APIRoute):
                entries.append(RouteEntry(prefix + r.path, frozenset(r.methods or ()), r))
    return entries


MATCHED_FIRST = "kypho.web.pages.cds_hooks"
"""The module whose router is tried before all others. FastAPI tries routes in order: an
EHR's CDS Hooks call, made on every order signed, took 0.45 ms to match past the 21
routers ahead of it, and 0.02 ms matched first (measured on the issue-11 machine). Its
paths (``/cds-services``...) overlap no other route, so the order changes no answer."""


def _routers(package: str) -> list[APIRouter]:
    found = []
    module = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        child = importlib.import_module(f"{package}.{info.name}")
        if isinstance(getattr(child, "router", None), APIRouter):
            found.append(child.router)
    return found


FORM_OVERHEAD_BYTES = 1 << 20  # multipart boundaries and fields around a file (convention)


class RefuseLargeBodies:
    """ASGI middleware: refuse a body whose declared length is over the upload limit,
    before reading it (413 with the JSON error body).

    Starlette reads a whole multipart body before a route runs; the routes' own limit
    stops the copy, this one stops the transfer. Plain ASGI, not ``@app.middleware``
    (Starlette's ``BaseHTTPMiddleware``), which costs every request a task and a stream.
    """

    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.max_upload_bytes + FORM_OVERHEAD_BYTES:
                message = (
                    f"file: expected at most {self.max_upload_bytes:,} bytes "
                    f"(KYPHO_MAX_UPLOAD_BYTES), found a request of {int(length):,}"
                )
                body = error_body("too_large", message, field="file")
                await JSONResponse(body, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


_heap_frozen = False


def freeze_startup_heap() -> bool:
    """Once per process: collect, then move every object alive after start-up (modules,
    routes, compiled policies and templates: about 180,000) out of the collector's reach.

    A full collection then walks the request's objects only: with the start-up heap in
    it, each one took 137-600 ms under load, the tail of the CDS Hooks and page
    latencies (measured, issue 11); frozen, 2-3 ms. Start-up objects live as long as the
    process anyway. Later apps in the same process (the test suite builds hundreds)
    freeze nothing more, so nothing they leave is kept. True when this call froze."""
    global _heap_frozen
    if _heap_frozen:
        return False
    _heap_frozen = True
    gc.collect()
    gc.freeze()
    return True


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    importlib.import_module(MATCHED_FIRST).warm(app)  # before any connection is taken
    freeze_startup_heap()  # after: what the warm-up imported is start-up heap too
    yield


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The app for ``settings`` (read from ``KYPHO_*`` when omitted) on ``engine``.

    The database must already be at the current schema (``kypho.store.schema.upgrade``);
    ``kypho serve`` upgrades an empty one before it starts.
    """
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database)
    app = FastAPI(
        title="kypho clinic",
        description="Decision support for the balloon kyphoplasty pathway. The physician decides.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    install_error_handlers(app)
    included: list[tuple[str, APIRouter]] = []
    included += [("/api", r) for r in _routers("kypho.web.routes")]
    included += [("", r) for r in _routers("kypho.web.pages")]
    first = importlib.import_module(MATCHED_FIRST).router
    included.sort(key=lambda pair: pair[1] is not first)  # stable: the rest keep their order
    for prefix, router in included:
        app.include_router(router, prefix=prefix)
    app.state.included_routers = included  # read by route_table (the security tests)
    app.add_middleware(RefuseLargeBodies, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(RefuseOutOfRangeIds)
    app.add_middleware(RequestSlots)  # outermost: a request waits before it takes anything
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
