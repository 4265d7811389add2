"""The CDS Hooks service at the root, as the specification wants: ``/cds-services``.

JSON answers only. Discovery is public (it shows no patient data). A hook call and its
feedback are authenticated by the CDS client's JWT (``kypho.interop.cds_hooks.jwt``),
not by a user session: ``cds_client`` is their guard (``kypho_cds_client`` marks it for
the security tests). A refused call is answered with an OperationOutcome: 400 (malformed,
naming the field), 401 (no trusted JWT), 404 (unknown service), 412 (data unavailable);
nothing is stored from a refused call.

Settings read here (``KYPHO_CDS_*``; see docs/cds-hooks.md): ``cds_require_jwt``
(default true), ``cds_allowed_issuers``, ``cds_jwks`` (a JWK Set file path or URL),
``cds_service_base_url`` (else ``public_url``, else the request's own base URL),
``cds_allowed_fhir_servers`` (the FHIR base URLs a call may make kypho fetch from;
empty: any).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, bindparam, select
from starlette.concurrency import run_in_threadpool

from kypho.interop.cds_hooks.discovery import SERVICES, discovery
from kypho.interop.cds_hooks.errors import BadHookRequest, ClientRejected, HookError
from kypho.interop.cds_hooks.feedback import parse_feedback
from kypho.interop.cds_hooks.fetch import will_fetch
from kypho.interop.cds_hooks.jwt import LEEWAY_S, ClientTrust, load_jwks, verify_client_jwt
from kypho.interop.cds_hooks.request import HookRequest, parse_hook_request, read_hook_body
from kypho.interop.cds_hooks.service import answer
from kypho.interop.cds_hooks.warm import warm_up
from kypho.rules import CompiledPolicy, Policy, PolicyKind, compile_policy
from kypho.store.audit import Actor, record_event
from kypho.store.cds_jti import DbJtiCache
from kypho.store.models import Case, Patient
from kypho.web.deps import DbSession, Now, Policies, policies_of

router = APIRouter(tags=["cds-hooks"], include_in_schema=False)
logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 5_000_000  # project convention: a prefetch of one patient's chart


@dataclass(frozen=True, slots=True)
class CdsClient:
    """Who called: the JWT's issuer (``unverified`` where the deployment trusts any)."""

    issuer: str
    rejected: ClientRejected | None = None


def _setting(request: Request, name: str, default: Any) -> Any:
    return getattr(request.app.state.settings, name, default)


def service_base(request: Request) -> str:
    configured = _setting(request, "cds_service_base_url", None) or _setting(
        request, "public_url", None
    )
    return str(configured or request.base_url).rstrip("/")


def _trust(request: Request) -> ClientTrust:
    state = request.app.state
    found: ClientTrust | None = getattr(state, "cds_trust", None)
    if found is None:
        source = _setting(request, "cds_jwks", None)
        keys = load_jwks(source) if source else None
        issuers = frozenset(_setting(request, "cds_allowed_issuers", ()))
        seen = DbJtiCache(state.sessions, leeway_s=LEEWAY_S)  # shared by every process
        found = state.cds_trust = ClientTrust(issuers=issuers, keys=keys, seen=seen)
    return found


async def cds_client(request: Request) -> CdsClient:
    """The calling client if its JWT is trusted; else the rejection (answered 401)."""
    if not _setting(request, "cds_require_jwt", True):
        return CdsClient(issuer="unverified")
    try:  # the keys are read once (a file or URL: off the event loop), then kept
        cached: ClientTrust | None = getattr(request.app.state, "cds_trust", None)
        trust = cached if cached is not None else await run_in_threadpool(_trust, request)
    except (OSError, ValueError):
        why = "expected a JWT signed by a configured key, but the JWK Set cannot be read"
        return CdsClient(issuer="", rejected=ClientRejected("authorization", why))
    try:  # off the event loop: the jti check writes to the database
        claims = await run_in_threadpool(
            verify_client_jwt,
            request.headers.get("authorization"),
            audience=service_base(request) + request.url.path,
            trust=trust,
        )
    except ClientRejected as err:
        return CdsClient(issuer="", rejected=err)
    return CdsClient(issuer=str(claims["iss"]))


cds_client.kypho_cds_client = True  # type: ignore[attr-defined]  # read by the security tests
Client = Annotated[CdsClient, Depends(cds_client)]


def _refused(err: HookError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    return JSONResponse(err.outcome(), status_code=err.status, headers=headers)


def _json_media_type(request: Request) -> None:
    """A body given as another media type than JSON is refused (HTTP 415); none said is
    read as JSON (CDS Hooks 2.0 calls are ``application/json``)."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given and given != "application/json" and not given.endswith("+json"):
        err = BadHookRequest("content-type", f"expected application/json, got {given[:80]!r}")
        err.status = 415
        raise err


async def _raw_body(request: Request) -> bytes:
    _json_media_type(request)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadHookRequest("body", f"expected at most {MAX_BODY_BYTES} bytes, got more")
    return raw


async def _json_body(request: Request) -> object:
    return read_hook_body(await _raw_body(request))


def _hook_of(service_id: str) -> str:
    if service_id not in SERVICES:
        err = BadHookRequest("service", "expected one of " + ", ".join(SERVICES) + ", got another")
        err.status = 404
        raise err
    return SERVICES[service_id]["hook"]


# The patient's latest case by MRN: built once (an expanding IN), run on a plain connection.
# Per call, on the bench machine: 0.83 ms as an ORM query built each time in a session,
# 0.41 built once, 0.20 on a connection (bench/bench_cds.py, issue 11).
_LATEST_CASE = (
    select(Case.id).join(Patient, Case.patient_id == Patient.id)
    .where(Patient.mrn.in_(bindparam("mrns", expanding=True)))
    .order_by(Case.id.desc()).limit(1)
)  # fmt: skip


def case_url(base: str, engine: Engine, hook: HookRequest) -> str:
    """The patient's latest case in the app (matched by MRN = a Patient identifier value).

    A read on its own connection, rolled back when closed: a hook call stores nothing,
    so it needs no request session, commit or audit flush."""
    patient = hook.prefetch.get("patient") or {}
    if patient.get("id") != hook.patient_id:
        return f"{base}/"  # not this patient's record: no link to another patient's case
    identifiers = patient.get("identifier")
    listed = identifiers if isinstance(identifiers, list) else []
    values = [i.get("value") for i in listed if isinstance(i, dict)]
    mrns = [v for v in values if isinstance(v, str)]
    if mrns:
        with engine.connect() as connection:
            found = connection.execute(_LATEST_CASE, {"mrns": mrns}).scalar()
        if found is not None:
            return f"{base}/cases/{found}"
    return f"{base}/"


@router.get("/cds-services")
async def cds_discovery() -> dict[str, Any]:
    return discovery()


def compiled_policies(state: Any, policies: tuple[Policy, ...]) -> tuple[CompiledPolicy, ...]:
    """The clinic's policies without triage ones, compiled once per policy set (kept in
    the app's ``state``)."""
    cached: tuple[tuple[Policy, ...], tuple[CompiledPolicy, ...]] | None = getattr(
        state, "cds_compiled", None
    )
    if cached is None or cached[0] is not policies:
        chosen = tuple(compile_policy(p) for p in policies if p.kind is not PolicyKind.TRIAGE)
        cached = state.cds_compiled = (policies, chosen)
    return cached[1]


def warm(app: FastAPI) -> None:
    """Before the first call: the clinic's policies compiled into the app's state and one
    synthetic call decided (``kypho.interop.cds_hooks.warm``; without it a fresh server's
    first call took 1.95 s). A failure is logged by its type alone (the first call then
    meets it, and is answered as any call that fails is); the app starts all the same."""
    state = app.state
    try:
        today = datetime.now(state.settings.time_zone).date()
        warm_up(compiled_policies(state, policies_of(state)), on=today)
    except Exception as err:  # noqa: BLE001  # the clinic's pages must still start
        logger.warning("CDS Hooks warm-up failed (%s); the first call does that work",
                       type(err).__name__)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Call:
    """What one hook call needs, gathered on the event loop for its worker-thread hops."""

    raw: bytes
    hook: str
    servers: tuple[str, ...]
    policies: tuple[CompiledPolicy, ...]
    on: date
    base: str
    engine: Engine


@dataclass(frozen=True, slots=True)
class _Fetching:
    """A checked call whose chart must come from its ``fhirServer`` (network I/O)."""

    hook: HookRequest
    link: str


def _answer_bytes(call: _Call) -> bytes | _Fetching:
    """Parse, link, decide and serialise in one worker-thread hop (``HookError`` on
    refusal); a call that must fetch its chart is only parsed and linked (``_Fetching``).
    """
    hook = parse_hook_request(
        read_hook_body(call.raw), hook=call.hook, allowed_servers=call.servers
    )
    link = case_url(call.base, call.engine, hook)
    if will_fetch(hook):
        return _Fetching(hook, link)
    return _decided(call, hook, link)


def _decided(call: _Call, hook: HookRequest, link: str) -> bytes:
    """The decision as JSON bytes: the chart gathered, mapped, assessed, carded."""
    result = answer(hook, call.policies, on=call.on, case_url=link)
    return json.dumps(result, separators=(",", ":")).encode("utf-8")


def decision_lane(request: Request) -> anyio.CapacityLimiter:
    """One worker thread per process for the decisions, first come first served.

    A decision is CPU under the interpreter lock: decided side by side in the general
    pool's threads, the calls share one core, each slowed by all the others, and the
    unlucky ones wait longest. In line, each waits only for those ahead of it. At 20
    concurrent order-sign calls on one worker, in alternation (six rounds each, the same
    run): p99 64-110 ms, median 87, against 84-123 ms, median 107, in the general pool;
    the CPU a call alike (docs/cds-hooks.md). A call that must fetch its chart never
    takes the lane: it would hold up every call behind it for up to ``FETCH_TIMEOUT_S``;
    it is decided in the general pool after its fetch."""
    state = request.app.state
    lane = getattr(state, "cds_decision_lane", None)
    if lane is None:  # made on the event loop, which runs one coroutine step at a time
        lane = state.cds_decision_lane = anyio.CapacityLimiter(1)
    return lane


@router.post("/cds-services/{service_id}", response_model=None)
async def cds_call(
    service_id: str, request: Request, client: Client, now: Now, policies: Policies
) -> Response:
    if client.rejected is not None:
        return _refused(client.rejected)
    try:
        call = _Call(
            raw=await _raw_body(request), hook=_hook_of(service_id),
            servers=tuple(_setting(request, "cds_allowed_fhir_servers", ())),
            policies=compiled_policies(request.app.state, policies), on=now.date(),
            base=service_base(request), engine=request.app.state.engine,
        )  # fmt: skip
        content = await anyio.to_thread.run_sync(
            _answer_bytes, call, limiter=decision_lane(request)
        )
        if isinstance(content, _Fetching):  # network I/O: in the general pool
            content = await run_in_threadpool(_decided, call, content.hook, content.link)
    except HookError as err:
        return _refused(err)
    return Response(content, media_type="application/json")


@router.post("/cds-services/{service_id}/feedback", response_model=None)
async def cds_feedback(
    service_id: str, request: Request, client: Client, db: DbSession
) -> JSONResponse | dict[str, Any]:
    if client.rejected is not None:
        return _refused(client.rejected)
    try:
        _hook_of(service_id)
        items = parse_feedback(await _json_body(request))
    except HookError as err:
        return _refused(err)
    actor = Actor(user_id=None, username=f"cds:{client.issuer}"[:64], role="cds-client")
    for item in items:
        record_event(db, actor, action="cds-feedback", record_type="cds-card",
                     record_id=item.card[:64], detail=item.detail(service_id))  # fmt: skip
    return {}
