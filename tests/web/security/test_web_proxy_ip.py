"""From where, behind a reverse proxy: ``KYPHO_TRUSTED_PROXIES`` and ``X-Forwarded-For``.

Only when the direct peer is a trusted proxy is the header read, and then the right-most
address in it that is not itself a trusted proxy is the client. The addresses are the
documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849:
2001:db8::/32); 10.0.0.0/24 stands for the clinic's proxies. Requests come from a chosen
peer address (Starlette's TestClient ``client=``), and one test starts the real ``kypho
serve`` and connects from two loopback addresses.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.config import Settings, load_settings, proxy_networks
from kypho.errors import InvalidInput
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, SignInAttempt
from kypho.web.app import create_app
from kypho.web.security.authenticate import forwarded_client
from kypho.web.security.throttle import IP_MAX_FAILURES
from web.conftest import PASSWORD
from web.security.web_security_helpers import sign_in_form

PROXIES = "10.0.0.0/24"
PROXY, OTHER_PROXY = "10.0.0.5", "10.0.0.9"
CLIENT, NEIGHBOUR, SPOOFED = "198.51.100.7", "198.51.100.8", "203.0.113.66"
STRANGER = "192.0.2.1"  # a peer that is no proxy of the clinic's


def _client(engine: Engine, tmp_path: Path, *, peer: str, trusted: str = PROXIES) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", secret_key="test-secret-" + "x" * 32,
                        trusted_proxies=trusted)  # fmt: skip
    return TestClient(create_app(settings, engine=engine), client=(peer, 50000))


def _sign_in_from(client: TestClient, username: str, forwarded: str | None) -> int:
    if forwarded is not None:
        client.headers["X-Forwarded-For"] = forwarded
    return sign_in_form(client, username, PASSWORD).status_code


def _recorded(engine: Engine) -> list[tuple[str, str | None]]:
    with transaction(session_factory(engine)) as db:
        query = select(AuditEvent.action, AuditEvent.ip).where(AuditEvent.action == "sign_in")
        return [tuple(row) for row in db.execute(query.order_by(AuditEvent.id))]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        (PROXY, CLIENT, "", PROXY),  # trust none (the default): the header is never read
        (STRANGER, CLIENT, PROXIES, STRANGER),  # a spoofed header from an untrusted peer
        (PROXY, CLIENT, PROXIES, CLIENT),
        (PROXY, None, PROXIES, PROXY),  # a trusted peer that forwards nothing
        (PROXY, f"{SPOOFED}, {CLIENT}, {OTHER_PROXY}", PROXIES, CLIENT),  # two proxies
    ],
)  # fmt: skip
def test_the_audit_trail_records_the_client_behind_a_trusted_proxy_only(
    users,
    web_engine: Engine,
    tmp_path: Path,
    peer: str,
    forwarded: str | None,
    trusted: str,
    expected: str,
) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    client = _client(web_engine, tmp_path, peer=peer, trusted=trusted)
    assert _sign_in_from(client, "doc", forwarded) == 303
    assert _recorded(web_engine) == [("sign_in", expected)]


def _failures_from(client: TestClient, count: int, *, first: int = 0) -> list[int]:
    return [_sign_in_from(client, f"guess{first + n}", None) for n in range(count)]


def test_throttling_counts_each_client_behind_the_proxy_apart(
    web_engine: Engine, tmp_path: Path
) -> None:
    through_proxy = _client(web_engine, tmp_path, peer=PROXY)
    through_proxy.headers["X-Forwarded-For"] = CLIENT
    assert set(_failures_from(through_proxy, IP_MAX_FAILURES)) == {401}
    assert _failures_from(through_proxy, 1, first=IP_MAX_FAILURES) == [429]  # CLIENT refused
    through_proxy.headers["X-Forwarded-For"] = NEIGHBOUR  # another client, the same proxy
    assert _failures_from(through_proxy, 1, first=IP_MAX_FAILURES + 1) == [401]
    with transaction(session_factory(web_engine)) as db:
        addresses = set(db.scalars(select(SignInAttempt.ip)))
    assert addresses == {CLIENT, NEIGHBOUR}  # never the proxy's own


def test_a_spoofed_header_does_not_escape_the_throttle(web_engine: Engine, tmp_path: Path) -> None:
    stranger = _client(web_engine, tmp_path, peer=STRANGER)
    answers = []
    for n in range(IP_MAX_FAILURES + 1):  # a new made-up address in the header every time
        stranger.headers["X-Forwarded-For"] = f"198.51.100.{n + 10}"
        answers.append(_sign_in_from(stranger, f"guess{n}", None))
    assert answers == [401] * IP_MAX_FAILURES + [429]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("::ffff:10.0.0.5", ["198.51.100.7"], "198.51.100.7"),  # an IPv4-mapped peer
        ("10.0.0.5", ["2001:db8::7, 10.0.0.9"], "2001:db8::7"),
        ("10.0.0.5", ["203.0.113.66", "198.51.100.7"], "198.51.100.7"),  # two header lines
        ("10.0.0.5", ["10.0.0.7, 10.0.0.9"], "10.0.0.7"),  # every hop trusted: the first
        ("10.0.0.5", ["not-an-address, 10.0.0.9"], "10.0.0.9"),  # the last proxy's word
        ("10.0.0.5", [""], "10.0.0.5"),
        ("testclient", ["198.51.100.7"], "testclient"),  # a peer that is no address
    ],
)
def test_forwarded_client_known_answers(peer: str, forwarded: list[str], expected: str) -> None:
    assert forwarded_client(peer, forwarded, proxy_networks(PROXIES)) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("10.0.0.300", "found '10.0.0.300'"),
        ("10.0.0.5,,10.0.0.6", "found ''"),
        ("10.0.0.1/8", "host bits set: 10.0.0.0/8 is the network"),
        ("proxy.example", "found 'proxy.example'"),
    ],
)
def test_a_bad_value_is_refused_at_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, words: str
) -> None:
    monkeypatch.setenv("KYPHO_TRUSTED_PROXIES", value)
    with pytest.raises(InvalidInput) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("KYPHO_TRUSTED_PROXIES: expected IP addresses or CIDR networks")
    assert words in message


def test_good_values_are_read_as_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYPHO_TRUSTED_PROXIES", " 10.0.0.5 , 10.1.0.0/16,2001:db8::/32 ")
    assert load_settings().trusted_proxies == "10.0.0.5/32,10.1.0.0/16,2001:db8::/32"
    monkeypatch.delenv("KYPHO_TRUSTED_PROXIES")
    assert load_settings().trusted_proxies == ""  # the default: trust none


START_TIMEOUT_S = 90  # the machine is shared; a start normally takes a few seconds


def _request(
    port: int, method: str, path: str, *, source: str = "127.0.0.1",
    headers: dict[str, str] | None = None, body: str | None = None,
) -> tuple[int, str, str]:  # fmt: skip
    """(status, the Set-Cookie header, the text) of one request sent from ``source``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                            source_address=(source, 0))  # fmt: skip
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheader("set-cookie") or "", answer.read().decode()
    finally:
        connection.close()


def _wait_for_health(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kypho serve exited with {process.returncode}")
        try:
            if _request(port, "GET", "/health")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"kypho serve: /health did not answer within {START_TIMEOUT_S} s")


def _failed_sign_in(port: int, *, source: str, forwarded: str) -> None:
    _, cookie, page = _request(port, "GET", "/sign-in", source=source)
    token = page.split('name="sign_in_token" value="', 1)[1].split('"', 1)[0]
    form = urlencode({"username": f"nobody-{source}", "password": "wrong",
                      "sign_in_token": token, "next": "/"})  # fmt: skip
    headers = {"X-Forwarded-For": forwarded, "Cookie": cookie.split(";", 1)[0],
               "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    status, _, _ = _request(port, "POST", "/sign-in", source=source, headers=headers, body=form)
    assert status == 401


@pytest.mark.slow
def test_the_real_server_reads_the_header_from_trusted_proxies_only(tmp_path: Path) -> None:
    """``kypho serve`` from 127.0.0.1 (not trusted: Uvicorn would trust it by default)
    and from 127.0.0.2 (the trusted proxy), both sending an X-Forwarded-For."""
    with socket.socket() as free:  # a free port
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYPHO_")}
    env |= {"KYPHO_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1",
            "KYPHO_TRUSTED_PROXIES": "127.0.0.2"}  # fmt: skip
    program = "from kypho.cli import main; import sys; sys.exit(main())"
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", program, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, text=True,
        )  # fmt: skip
        try:
            _wait_for_health(port, process)
            _failed_sign_in(port, source="127.0.0.1", forwarded=SPOOFED)
            _failed_sign_in(port, source="127.0.0.2", forwarded=CLIENT)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    with sqlite3.connect(tmp_path / "data" / "kypho.sqlite3") as db:
        rows = db.execute("SELECT username, ip FROM sign_in_attempts ORDER BY id").fetchall()
    assert rows == [("nobody-127.0.0.1", "127.0.0.1"), ("nobody-127.0.0.2", CLIENT)]
