"""A real server for the real-things tests: Uvicorn in a subprocess on a loopback port.

The browser, durability and hostile-text tests and ``bench/bench_web.py`` drive the app
the way a clinic would: a database brought to the current schema
(``kypho.store.schema.upgrade``), users made with ``kypho.store.people.create_user``, and
``uvicorn --factory kypho.web.app:create_app`` in its own process, which reads its
settings from ``KYPHO_*`` like ``kypho serve`` does. The process is stopped by its PID:
SIGTERM, then SIGKILL if it has not gone within ``STOP_GRACE_S``.

Import it as ``web.browser.kypho_live_server`` (``tests`` is on pytest's path).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from kypho.store.audit import SYSTEM
from kypho.store.engine import make_engine, session_factory, transaction
from kypho.store.people import create_user, issue_api_token
from kypho.store.schema import upgrade

START_TIMEOUT_S = 180.0  # a cold start imports numpy, scipy, matplotlib: seconds on 2 cores,
# a minute and more at load 20 (seen); a server that exits is reported at once instead
STOP_GRACE_S = 10.0
TEST_SECRET_KEY = "live-server-test-secret-" + "k" * 32  # tests only
ROLES = ("administrator", "coordinator", "radiologist", "physician", "read_only")
TEST_PASSWORDS = {role: f"{role} test password 42!" for role in ROLES}  # tests only


SERVE_WORKERS = (  # argv: app, port, workers, factory; kypho serve's supervisor
    "import sys, uvicorn; from kypho.web.workers import serve_workers; "
    "app, port, workers, factory = sys.argv[1:]; "
    "sys.exit(serve_workers(uvicorn.Config(app, factory=factory == 'True', host='127.0.0.1', "
    "port=int(port), workers=int(workers), log_level='warning', access_log=False)))"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeededUser:
    id: int
    username: str
    password: str
    role: str
    token: str  # bearer token for /api


def seed_users(db_url: str, *, prefix: str = "") -> dict[str, SeededUser]:
    """Upgrade the database at ``db_url`` and make one user per role (known passwords)."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        made: dict[str, SeededUser] = {}
        with transaction(session_factory(engine)) as db:
            for role in ROLES:
                name = f"{prefix}{role.replace('_', '')}"
                user = create_user(db, SYSTEM, username=name, display_name=f"Test {role}",
                                   role=role, password=TEST_PASSWORDS[role])  # fmt: skip
                token = issue_api_token(db, SYSTEM, user, label="live-server tests")
                made[role] = SeededUser(id=user.id, username=name, password=TEST_PASSWORDS[role],
                                        role=role, token=token)  # fmt: skip
        return made
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(slots=True, kw_only=True)
class LiveServer:
    """One Uvicorn process serving ``kypho.web.app:create_app``."""

    db_url: str
    data_dir: Path
    log_path: Path
    app: str = "kypho.web.app:create_app"
    factory: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    workers: int = 1  # worker processes, each its own listener (kypho.web.workers)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KYPHO_DATABASE_URL=self.db_url,
            KYPHO_DATA_DIR=str(self.data_dir),
            KYPHO_SECRET_KEY=TEST_SECRET_KEY,
            KYPHO_ENVIRONMENT="development",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> LiveServer:
        self.port = free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "uvicorn", *(["--factory"] if self.factory else []),
                   self.app, "--host", "127.0.0.1", "--port", str(self.port),
                   "--log-level", "warning", "--no-access-log"]  # fmt: skip
        if self.workers > 1:  # as ``kypho serve --workers``: a listener each
            command = [sys.executable, "-c", SERVE_WORKERS, self.app, str(self.port),
                       str(self.workers), str(self.factory)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=log)
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}): {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not healthy within {START_TIMEOUT_S} s: {self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after ``STOP_GRACE_S``."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: the crash the durability test needs (no shutdown code runs)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_GRACE_S)

    def __enter__(self) -> LiveServer:
        return self.start() if self.process is None else self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
