"""HealthChain (PyPI ``healthchain``, pinned) as a live CDS client of the served app.

HealthChain's pins clash with kypho's, so it lives in its own virtual environment under
a cache folder (``KYPHO_HEALTHCHAIN_VENV``, default ``~/.cache/kypho/healthchain-venv``),
made here with ``python3 -m venv`` and ``pip install healthchain==HEALTHCHAIN_VERSION``
when missing. It cannot install (no network, no index): skipped saying why, but a
failure under CI=true. HealthChain sends no JWT, so the served app trusts unverified
clients (``KYPHO_CDS_REQUIRE_JWT=false``), the configuration for such a sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kypho_cds_support import EXAMPLES, draft_order, prefetch_of

from kypho.casefile import load_case
from web.browser.kypho_live_server import LiveServer

HEALTHCHAIN_VERSION = "0.16.1"  # the version that captured requests 06-09
HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KYPHO_HEALTHCHAIN_VENV",
                           Path.home() / ".cache" / "kypho" / "healthchain-venv"))  # fmt: skip
INSTALL_TIMEOUT_S = 600


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"HealthChain needed under CI=true: {why}")
    pytest.skip(f"HealthChain: {why}")


def healthchain_python() -> Path:
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import healthchain, importlib.metadata as m; "
             f"assert m.version('healthchain') == '{HEALTHCHAIN_VERSION}'"]  # fmt: skip
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    try:
        subprocess.run(["python3", "-m", "venv", "--clear", str(VENV)], check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        subprocess.run([str(python), "-m", "pip", "install", "-q",
                        f"healthchain=={HEALTHCHAIN_VERSION}"],
                       check=True, capture_output=True, timeout=INSTALL_TIMEOUT_S)  # fmt: skip
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        _unavailable(f"cannot make {VENV} ({type(err).__name__}: {detail[-300:]!r})")
    return python


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = healthchain_python()
    folder = tmp_path_factory.mktemp("hc")
    env = {"KYPHO_CDS_REQUIRE_JWT": "false",
           "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}  # fmt: skip
    server = LiveServer(db_url=f"sqlite:///{folder / 'kypho.sqlite3'}", data_dir=folder / "data",
                        log_path=folder / "server.log", app="kypho_cds_support:live_app",
                        extra_env=env)  # fmt: skip
    with server:
        yield f"{server.url}|{python}"


def _drive(served: str, hook: str, context: dict[str, Any], prefetch: dict[str, Any]) -> Any:
    url, python = served.split("|")
    job = {"url": f"{url}/cds-services/kypho-{hook}", "hook": hook, "context": context,
           "prefetch": prefetch}  # fmt: skip
    done = subprocess.run([python, str(HERE / "healthchain_client.py")], input=json.dumps(job),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


PID = "pat1"


def test_healthchain_patient_view_gets_the_critical_card(served: str) -> None:
    prefetch = prefetch_of(load_case(EXAMPLES / "09-discitis.json"), PID)
    out = _drive(served, "patient-view", {"userId": "Practitioner/dr1", "patientId": PID}, prefetch)
    assert out["sent"]["hook"] == "patient-view"  # HealthChain's own request
    (response,) = out["responses"]
    (card,) = response["cards"]
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Kyphoplasty L1: criteria not met. CONTRAINDICATION.")
    assert "systemActions" not in response or not response["systemActions"]


def test_healthchain_order_sign_sends_no_draft_orders_so_gets_no_card(served: str) -> None:
    """HealthChain 0.16.1 drops ``context.draftOrders`` when it serialises the request (the
    context is dumped as its base model), as the captured 08 and 09 show: no order, no card."""
    prefetch = prefetch_of(load_case(EXAMPLES / "09-discitis.json"), PID)
    context = {"userId": "Practitioner/dr1", "patientId": PID,
               "draftOrders": {"resourceType": "Bundle", "type": "collection",
                               "entry": [{"resource": draft_order("22514", PID)}]}}  # fmt: skip
    out = _drive(served, "order-sign", context, prefetch)
    assert "draftOrders" not in out["sent"]["context"]
    assert out["responses"] == [{"cards": []}]


def test_healthchain_patient_view_of_a_patient_without_a_known_fracture_has_no_card(
    served: str,
) -> None:
    prefetch = prefetch_of(load_case(EXAMPLES / "09-discitis.json"), PID)
    prefetch["conditions"]["entry"] = []  # no fracture Condition at all
    out = _drive(served, "patient-view", {"userId": "Practitioner/dr1", "patientId": PID}, prefetch)
    assert out["responses"] == [{"cards": []}]
