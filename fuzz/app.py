"""Run one HTTP request through the clinic app in a fuzz child, and report what it did.

An app input is one request: a JSON header line (``method``, ``path``, ``content_type``,
whether to send the signed-in ``session`` and its ``csrf`` header) and, after the first
newline, the raw body bytes. ``prepare`` builds a fresh SQLite database per campaign
(in a child of its own, so that the fuzz parent starts no threads): the schema, a
physician signed in through the real sign-in form, and whatever the target's ``setup``
adds (a case, a plan); the session cookie and CSRF token go to ``app-state.json``.

The campaign's app (``create_app``, CDS Hooks JWTs not required) is built once, in the
parent, after ``prepare``. Each child copies the database, so every input meets the same
state, points the app at its copy, sends the request in process (httpx's ASGI
transport), and compares every stored row before and after (sessions, sign-in attempts
and audit events of reading left out: a refused post may still read the case).
It prints one JSON line (status, content type, changed tables, body) and exits:

- 0: answered 2xx or 3xx without a message beside a field (accepted);
- 2: 400, 413, 415 or 422, or a page with a field message (refused as malformed);
- 1: another 4xx (401, 403, 404, 409, 412: refused for another reason);
- 98: a 5xx, 99: an exception escaped or was logged (its traceback on stderr).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import importlib
import json
import logging
import os
import re
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fuzz.classify import Run

STATE = "app-state.json"
TEMPLATE_DB = "template.sqlite3"
SECRET = "fuzz-secret-" + "x" * 32
USER, PASSWORD = "fuzz-physician", "correct horse battery staple 7"
BASE = "http://testserver"
FHIR_SERVER = "http://127.0.0.1:8091/fhir"  # the captured Sandbox requests' (nothing listens)
MAX_UPLOAD_BYTES = 20_000_000  # the campaign's limits: small, so a bomb is cheap to send
MAX_IMAGE_FILE_BYTES = 50_000_000
# Each child posts on a copy of the template database, so the signed-in session's last use
# stays at ``prepare``: with the clinic's 30-minute idle sign-out (kypho.config) every post
# of a longer campaign bounced to the sign-in page (303, counted as accepted). 12 hours:
# the session's own longest life (Settings.session_max_hours' default).
SESSION_IDLE_MINUTES = 12 * 60
EXIT_SERVER_ERROR = 98
EXIT_LOGGED = 99
MALFORMED = frozenset({400, 413, 415, 422})
UNCOMPARED = frozenset({"web_sessions", "sign_in_attempts", "alembic_version"})
READ_ACTIONS = ("read", "list", "search")  # audit events of reading: allowed on a refusal
BODY_CHARS = 2_000_000  # of an answer reported (a case's edit page is over 200,000)
CSRF_MARK, CSRF_MARK_QUOTED = b"{csrf}", b"%7Bcsrf%7D"  # this session's token, in a body

# What the routes import lazily (measuring, pictures, CDS answers): loaded once, in the parent.
WARM_MODULES = (
    "kypho.store.measurements", "kypho.workflows.measure", "kypho.imaging.render",
    "kypho.interop.cds_hooks.service", "kypho.web.render", "kypho.interop.fhir",
    "matplotlib.pyplot", "matplotlib.backends.backend_agg", "PIL.Image", "anyio", "contourpy",
)  # fmt: skip
Setup = Callable[[Any, dict[str, Any]], None]  # (httpx.Client-like, state) -> None
_FIELD_ERROR = re.compile(r'<(p|span)\b[^>]*class="field-error"[^>]*>(.*?)</\1>', re.S)
_SIGN_IN_TOKEN = re.compile(r'name="sign_in_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def request_bytes(head: dict[str, Any], body: bytes) -> bytes:
    """One input: the header line and the body."""
    return json.dumps(head, sort_keys=True).encode() + b"\n" + body


def split(data: bytes) -> tuple[dict[str, Any] | None, bytes]:
    """(header, body); the header is ``None`` where it cannot be read (a shrinker's cut)."""
    line, _, body = data.partition(b"\n")
    try:
        head = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, body
    return (head, body) if isinstance(head, dict) and isinstance(head.get("path"), str) else (
        None, body)  # fmt: skip


def settings(data_dir: Path) -> Any:
    from kypho.config import Settings

    return Settings(
        data_dir=data_dir, secret_key=SECRET, cds_require_jwt=False,
        cds_allowed_fhir_servers=(FHIR_SERVER,), max_upload_bytes=MAX_UPLOAD_BYTES,
        max_image_file_bytes=MAX_IMAGE_FILE_BYTES, session_idle_minutes=SESSION_IDLE_MINUTES,
    )  # fmt: skip


def warm() -> None:
    """Import what the app needs, in the fuzz parent (no thread is started)."""
    import httpx2  # noqa: F401

    from kypho.web import app

    for package in ("kypho.web.routes", "kypho.web.pages"):
        app._routers(package)
    for module in WARM_MODULES:
        importlib.import_module(module)


# --- the database of a campaign ------------------------------------------------------------


def snapshot(engine: Any) -> dict[str, str]:
    """Table -> SHA-256 of its rows, in row order (audit events of reading left out)."""
    from sqlalchemy import text

    found = {}
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        for name in sorted(n for (n,) in names if n not in UNCOMPARED):
            query = f'SELECT * FROM "{name}"'  # noqa: S608 - table names from sqlite_master
            if name == "audit_events":
                marks = ", ".join(f"'{a}'" for a in READ_ACTIONS)
                query += f" WHERE action NOT IN ({marks})"
            rows = conn.execute(text(query + " ORDER BY rowid")).all()
            found[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return found


def _sign_in(client: Any) -> str:
    page = client.get("/sign-in")
    token = _SIGN_IN_TOKEN.search(page.text)
    assert token is not None, "the sign-in page has no token"
    form = {"username": USER, "password": PASSWORD, "next": "/", "sign_in_token": token[1]}
    answer = client.post("/sign-in", data=form)
    assert answer.status_code == 303, answer.text[:500]
    found = _CSRF.search(client.get("/account/password").text)
    assert found is not None, "the password page has no CSRF token"
    return found[1]


def _build(workdir: Path, setup: Setup) -> None:
    from fastapi.testclient import TestClient

    from kypho.store.audit import SYSTEM
    from kypho.store.engine import make_engine, session_factory, transaction
    from kypho.store.people import create_user
    from kypho.store.schema import upgrade
    from kypho.web.app import create_app
    from kypho.web.security.authenticate import SESSION_COOKIE

    db = workdir / TEMPLATE_DB
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        create_user(session, SYSTEM, username=USER, display_name="Fuzz Physician",
                    role="physician", password=PASSWORD)  # fmt: skip
    app = create_app(settings(workdir / "data"), engine=engine)
    state: dict[str, Any] = {"template": str(db)}
    with TestClient(app, base_url=BASE) as client:
        client.follow_redirects = False
        state["csrf"] = _sign_in(client)
        state["cookie"] = client.cookies[SESSION_COOKIE]
        state["cookie_name"] = SESSION_COOKIE
        client.headers["x-csrf-token"] = state["csrf"]
        setup(client, state)
    engine.dispose()
    (workdir / STATE).write_text(json.dumps(state), encoding="utf-8")


def prepare(workdir: Path, setup: Setup) -> dict[str, Any]:
    """A fresh database for a campaign in ``workdir``, built in a child process."""
    workdir.mkdir(parents=True, exist_ok=True)
    warm()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _build(workdir, setup)
            code = 0
        except BaseException:  # noqa: BLE001 - reported by the parent
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"preparing the app's database in {workdir} failed")
    state: dict[str, Any] = json.loads((workdir / STATE).read_text(encoding="utf-8"))
    _APPS[str(workdir)] = _new_app(workdir, Path(state["template"]))
    return state


_APPS: dict[str, Any] = {}  # work folder -> the campaign's app, built in the parent


def _new_app(workdir: Path, db: Path) -> Any:
    """The app on ``db``; no connection is made until a request (in a child) needs one."""
    from kypho.store.engine import make_engine
    from kypho.web.app import create_app

    return create_app(settings(workdir / "data"), engine=make_engine(f"sqlite:///{db}"))


def _app_on(workdir: Path, db: Path) -> tuple[Any, Any]:
    """(the campaign's app, now on ``db``, and its engine)."""
    from kypho.store.engine import make_engine, session_factory

    found = _APPS.get(str(workdir)) or _new_app(workdir, db)
    engine = make_engine(f"sqlite:///{db}")
    found.state.engine = engine
    found.state.sessions = session_factory(engine)
    return found, engine


# --- one request, in the child ---------------------------------------------------------------


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.tracebacks.append("".join(traceback.format_exception(*record.exc_info)))
        elif "Traceback" in record.getMessage():
            self.tracebacks.append(record.getMessage())


def _headers(head: dict[str, Any], state: dict[str, Any]) -> dict[str, str]:
    headers = {"accept": str(head.get("accept", "text/html"))}
    if head.get("content_type") is not None:
        headers["content-type"] = str(head["content_type"])
    if head.get("session"):
        headers["cookie"] = f"{state['cookie_name']}={state['cookie']}"
    if head.get("csrf_header"):
        headers["x-csrf-token"] = state["csrf"]
    return headers


async def _exchange(head: dict[str, Any], body: bytes, state: dict[str, Any], db: Path) -> Any:
    import httpx2 as httpx

    app, engine = _app_on(db.parent, db)
    before = snapshot(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        path = str(head["path"]).replace("{csrf}", state["csrf"])
        token = state["csrf"].encode()
        body = body.replace(CSRF_MARK, token).replace(CSRF_MARK_QUOTED, token)
        answer = await client.request(str(head.get("method", "POST")), path, content=body,
                                      headers=_headers(head, state))  # fmt: skip
    after = snapshot(engine)
    engine.dispose()
    changed = sorted(t for t in after if before.get(t) != after[t])
    return answer, changed


def messages(status: int, content_type: str, text: str) -> list[str]:
    """What the answer says is wrong: OperationOutcome diagnostics, an error body's
    message, or the messages beside a page's fields."""
    if "json" in content_type:
        with contextlib.suppress(ValueError):
            doc = json.loads(text)
            if isinstance(doc, dict) and isinstance(doc.get("issue"), list):
                return [str(i.get("diagnostics")) for i in doc["issue"] if isinstance(i, dict)]
            if isinstance(doc, dict) and "message" in doc:
                return [str(doc["message"])]
        return []
    found = [
        html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for _, m in _FIELD_ERROR.findall(text)
    ]
    if not found and status >= 400:
        found = [
            html.unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', text, re.S)
        ]
    return found


def _exit_code(status: int, said: list[str], content_type: str) -> int:
    if status >= 500:
        return EXIT_SERVER_ERROR
    if status in MALFORMED or (status < 400 and "html" in content_type and said):
        return 2
    return 1 if status >= 400 else 0


def run_request(argv: list[str]) -> int:
    """The child's main: ``argv`` = [input file, state file]."""
    data, state_path = Path(argv[0]).read_bytes(), Path(argv[1])
    state = json.loads(state_path.read_text(encoding="utf-8"))
    head, body = split(data)
    if head is None:
        sys.stdout.write(json.dumps({"status": None}) + "\n")
        return 0
    db = state_path.parent / f"db-{os.getpid()}.sqlite3"
    shutil.copyfile(state["template"], db)
    logged = _Logged()
    logging.getLogger().addHandler(logged)
    try:
        answer, changed = asyncio.run(_exchange(head, body, state, db))
    finally:
        db.unlink(missing_ok=True)
    content_type = answer.headers.get("content-type", "")
    text = answer.content.decode("utf-8", "replace")
    said = messages(answer.status_code, content_type, text)
    observed = {"status": answer.status_code, "content_type": content_type,
                "changed": changed, "messages": said, "body": text[:BODY_CHARS],
                "cut": len(text) > BODY_CHARS}  # fmt: skip
    sys.stdout.write(json.dumps(observed) + "\n")
    for found in logged.tracebacks:
        sys.stderr.write(found + "\n")
    if logged.tracebacks:
        return EXIT_LOGGED
    code = _exit_code(answer.status_code, said, content_type)
    if code == 2 and said:
        sys.stderr.write(f"kypho: error: {said[0]}\n")
    if code == EXIT_SERVER_ERROR:
        sys.stderr.write(f"ServerError: HTTP {answer.status_code} from {head.get('path')}\n")
    return code


def observed(run: Run) -> dict[str, Any]:
    """The child's JSON line (empty where it printed none)."""
    for line in run.stdout.splitlines():
        with contextlib.suppress(ValueError):
            found = json.loads(line)
            if isinstance(found, dict) and "status" in found:
                return found
    return {}


def state_argv(path: Path) -> list[str]:
    """The child's argv for an input written in a campaign's work folder."""
    return [str(path), str(path.parent / STATE)]
