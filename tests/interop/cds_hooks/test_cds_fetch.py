"""Prefetch missing or partial: the chart is fetched from ``fhirServer`` with the bearer
token of ``fhirAuthorization``; 412 when it cannot be.

The FHIR server is the FHIR tests' real one (Medplum's fhir-router on loopback, started
by ``kypho_fhir_support.running_fhir_server``), behind a small loopback proxy here that
answers 401 unless the request carries the expected bearer token, so the token's use is
checked on the wire.
"""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fhirpy import SyncFHIRClient
from kypho_cds_support import (
    EXAMPLES,
    cds_client,
    draft_order,
    hook_body,
    loopback_server,
    prefetch_of,
)

from interop.fhir.kypho_fhir_support import running_fhir_server
from kypho.casefile import load_case
from kypho.interop.fhir.export import export_bundle

ON = date(2026, 11, 21)
TOKEN = "token-for-the-test-only"


def _proxy(upstream: str) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401)
                self.end_headers()
                return
            try:
                with urllib.request.urlopen(upstream + self.path, timeout=10) as answer:  # noqa: S310
                    status, data = answer.status, answer.read()
            except urllib.error.HTTPError as err:
                status, data = err.code, err.read()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def fhir() -> Iterator[tuple[str, str]]:
    """(proxied FHIR base URL, id of the patient of example 09 loaded there)."""
    with running_fhir_server() as base:
        bundle = export_bundle(load_case(EXAMPLES / "09-discitis.json"), bundle_type="transaction")
        answer = SyncFHIRClient(base).execute("/", method="post", data=bundle)
        pid = answer["entry"][0]["response"]["location"].split("/")[1]
        with loopback_server(_proxy(base)) as proxied:
            yield proxied, pid


def _sign(tmp_path: Path, base: str, pid: str, prefetch: dict[str, Any] | None, token: str):  # noqa: ANN202
    body = hook_body("order-sign", pid, prefetch, [draft_order("22514", pid)], fhirServer=base,
                     fhirAuthorization={"access_token": token, "token_type": "Bearer",
                                        "expires_in": 300, "scope": "patient/*.read",
                                        "subject": "kypho"})  # fmt: skip
    with cds_client(tmp_path, ON, cds_require_jwt=False) as client:
        return client.post("/cds-services/kypho-order-sign", json=body)


@pytest.mark.parametrize("partial", [False, True], ids=["no prefetch", "only the Patient"])
def test_missing_prefetch_is_fetched_with_the_bearer_token(
    tmp_path: Path, fhir: tuple[str, str], partial: bool
) -> None:
    base, pid = fhir
    prefetch = None
    if partial:
        prefetch = {"patient": SyncFHIRClient(base, authorization=f"Bearer {TOKEN}")
                    .reference("Patient", pid).to_resource().serialize()}  # fmt: skip
    answer = _sign(tmp_path, base, pid, prefetch, TOKEN)
    assert answer.status_code == 200, answer.text
    (card,) = answer.json()["cards"]
    assert card["indicator"] == "critical"  # the discitis Condition came from the server
    assert "Discitis" in card["detail"]
    assert "Not read" in card["detail"] and "coverage" in card["detail"]  # no Coverage pulled


def test_a_refused_token_is_412_naming_the_prefetch(tmp_path: Path, fhir: tuple[str, str]) -> None:
    base, pid = fhir
    answer = _sign(tmp_path, base, pid, None, "a-wrong-token")
    assert answer.status_code == 412
    issue = answer.json()["issue"][0]
    assert issue["expression"] == ["prefetch.patient"]
    assert "answered 401" in issue["diagnostics"]


def test_an_unreachable_server_is_412(tmp_path: Path) -> None:
    answer = _sign(tmp_path, "http://127.0.0.1:9/fhir", "p-1", None, TOKEN)  # port 9: discard
    assert answer.status_code == 412
    assert "cannot be reached" in answer.json()["issue"][0]["diagnostics"]


def test_without_a_server_partial_prefetch_is_used_and_says_what_was_not_read(
    tmp_path: Path, fhir: tuple[str, str]
) -> None:
    base, pid = fhir
    client = SyncFHIRClient(base, authorization=f"Bearer {TOKEN}")
    patient = client.reference("Patient", pid).to_resource().serialize()
    conditions = client.execute("Condition", method="get", params={"subject": f"Patient/{pid}"})
    body = hook_body("order-sign", pid, {"patient": patient, "conditions": conditions},
                     [draft_order("22514", pid)])  # fmt: skip
    with cds_client(tmp_path, ON, cds_require_jwt=False) as app:
        answer = app.post("/cds-services/kypho-order-sign", json=body)
    assert answer.status_code == 200
    (card,) = answer.json()["cards"]
    assert card["indicator"] == "critical"
    assert (
        "Not read (neither prefetched nor fetched; those facts are unknown): observations"
        in card["detail"]
    )


def test_a_server_off_the_allow_list_is_refused_before_any_fetch(
    tmp_path: Path, fhir: tuple[str, str]
) -> None:
    base, pid = fhir
    body = hook_body("order-sign", pid, None, [draft_order("22514", pid)], fhirServer=base)
    allowed = ("https://ehr.example.test/fhir",)
    with cds_client(tmp_path, ON, cds_require_jwt=False, cds_allowed_fhir_servers=allowed) as app:
        answer = app.post("/cds-services/kypho-order-sign", json=body)
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == ["fhirServer"]
    with cds_client(tmp_path / "ok", ON, cds_require_jwt=False,
                    cds_allowed_fhir_servers=(base + "/",)) as app:  # fmt: skip
        body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer"}
        assert app.post("/cds-services/kypho-order-sign", json=body).status_code == 200


def _held(
    asked: threading.Event, gate: threading.Event
) -> type[http.server.BaseHTTPRequestHandler]:
    """A FHIR server's handler: it says it was asked (``asked``), then answers 503 once
    ``gate`` opens."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            asked.set()
            gate.wait(30)
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def test_a_call_waiting_on_its_fhir_server_does_not_hold_up_a_prefetched_one(
    tmp_path: Path,
) -> None:
    """Decisions run one at a time (``decision_lane``); a fetch must not take the lane, or
    every call would wait for a slow EHR (up to the fetch timeout, 10 s)."""
    asked, gate = threading.Event(), threading.Event()
    pid = "p-prefetched"
    prefetch = prefetch_of(load_case(EXAMPLES / "09-discitis.json"), pid)
    body = hook_body("order-sign", pid, prefetch, [draft_order("22514", pid)])
    slow: list[Any] = []
    with loopback_server(_held(asked, gate)) as held_fhir, \
            cds_client(tmp_path, ON, cds_require_jwt=False) as app:  # fmt: skip
        slow_body = hook_body("order-sign", "p-slow", None, [draft_order("22514", "p-slow")],
                              fhirServer=held_fhir)  # fmt: skip
        try:
            # one prefetched call first (the app warmed up as it started): the call timed
            # against the held fetch then takes milliseconds, well inside its 10 s timeout
            assert app.post("/cds-services/kypho-order-sign", json=body).status_code == 200
            waiting = threading.Thread(
                target=lambda: slow.append(
                    app.post("/cds-services/kypho-order-sign", json=slow_body)
                )
            )
            waiting.start()
            assert asked.wait(20), "the call without prefetch never reached its FHIR server"
            answer = app.post("/cds-services/kypho-order-sign", json=body)
            assert answer.status_code == 200, answer.text
            assert answer.json()["cards"][0]["indicator"] == "critical"  # example 09: discitis
            assert waiting.is_alive() and not slow, "the prefetched call waited for the fetch"
        finally:
            gate.set()  # before the server stops: it waits for its handlers
        waiting.join(30)
    assert slow and slow[0].status_code == 412  # the server's 503: the chart is unavailable
