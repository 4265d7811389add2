"""Helpers of the CDS Hooks tests: the real requests, an app with CDS settings, prefetch
built from a case, draft orders, client keys and their JWTs, and a loopback HTTP server.

``CdsSettings`` adds the settings the service reads (docs/cds-hooks.md) until they are
fields of ``kypho.config.Settings``.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from kypho.config import Settings
from kypho.domain import Case
from kypho.interop.fhir.export import export_bundle
from kypho.store.engine import make_engine
from kypho.store.schema import upgrade
from kypho.web.app import create_app
from kypho.web.deps import clinic_now

HERE = Path(__file__).resolve().parent
REQUESTS = HERE.parents[2] / ".." / "shared" / "data" / "cds-hooks" / "requests"
EXAMPLES = HERE.parents[2] / "examples" / "cases"
BASE = "http://testserver"  # TestClient's base URL: the service URL the JWT's aud names
SERVICE_OF = {"patient-view": "kypho-patient-view", "order-select": "kypho-order-select",
              "order-sign": "kypho-order-sign"}  # fmt: skip
CPT = "http://www.ama-assn.org/go/cpt"
L1_SNOMED = "14945000"  # L1 vertebra, DICOM CID 7603 (as in the Sandbox's own requests)
ISSUER = "https://ehr.example.test"


class CdsSettings(Settings):
    cds_require_jwt: bool = True
    cds_allowed_issuers: tuple[str, ...] = ()
    cds_jwks: str | None = None
    cds_service_base_url: str | None = None
    cds_allowed_fhir_servers: tuple[str, ...] = ()


def real_request(name: str) -> dict[str, Any]:
    """One captured request (headers and body), else skip saying why."""
    path = REQUESTS / name
    if not path.is_file():
        pytest.skip(f"shared CDS Hooks requests not found at {REQUESTS}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@contextmanager
def cds_client(tmp_path: Path, on: date, **settings: Any) -> Iterator[TestClient]:
    """The app on a fresh SQLite database, its clock at ``on``, with ``settings``."""
    engine = make_engine(f"sqlite:///{tmp_path / 'kypho.sqlite3'}")
    upgrade(engine)
    config = CdsSettings(data_dir=tmp_path / "data", secret_key="test-secret-" + "x" * 32,
                         **settings)  # fmt: skip
    app = create_app(config, engine=engine)
    app.dependency_overrides[clinic_now] = lambda: datetime(
        on.year, on.month, on.day, 12, tzinfo=UTC
    )
    try:
        with TestClient(app) as client:
            yield client
    finally:
        engine.dispose()


@contextmanager
def loopback_server(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free loopback port, in a thread; its base URL. Stopped after
    (``server_close`` waits for the handlers still answering)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def audit_rows(client: TestClient) -> list[tuple[str, str, str]]:
    """(action, record_type, detail) of every audit event in the app's database."""
    from sqlalchemy import text

    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, record_type, detail FROM audit_events"))
        return [tuple(r) for r in rows]


PREFETCH_KEYS = {"Patient": "patient", "Condition": "conditions", "Observation": "observations",
                 "AllergyIntolerance": "allergies", "MedicationStatement": "medicationStatements",
                 "MedicationRequest": "medicationRequests", "Procedure": "procedures",
                 "ServiceRequest": "serviceRequests", "ImagingStudy": "imaging"}  # fmt: skip


def server_form(bundle: dict[str, Any], patient_id: str) -> list[dict[str, Any]]:
    """The Bundle's resources as a server holds them: ids, ``Type/id`` references."""
    names = {}
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        rid = patient_id if kind == "Patient" else entry["fullUrl"].removeprefix("urn:uuid:")
        names[entry["fullUrl"]] = f"{kind}/{rid}"
    text = json.dumps([e["resource"] for e in bundle["entry"]])
    for old, new in names.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    resources: list[dict[str, Any]] = json.loads(text)
    for resource, entry in zip(resources, bundle["entry"], strict=True):
        resource["id"] = names[entry["fullUrl"]].split("/", 1)[1]
    return resources


def medicare_coverage(patient_id: str) -> dict[str, Any]:
    """The patient's active Coverage, as a CRD client holds it (CRD needs one to answer)."""
    return {"resourceType": "Coverage", "id": "cov-medicare", "status": "active",
            "beneficiary": {"reference": f"Patient/{patient_id}"},
            "payor": [{"display": "Medicare"}]}  # fmt: skip


def prefetch_of(case: Case, patient_id: str) -> dict[str, Any]:
    """Every prefetch key the service asks for, filled from the case's FHIR export."""
    resources = server_form(export_bundle(case), patient_id)
    prefetch: dict[str, Any] = {key: {"resourceType": "Bundle", "type": "searchset", "entry": []}
                                for key in PREFETCH_KEYS.values() if key != "patient"}  # fmt: skip
    prefetch["coverage"] = {"resourceType": "Bundle", "type": "searchset",
                            "entry": [{"resource": medicare_coverage(patient_id)}]}  # fmt: skip
    for resource in resources:
        key = PREFETCH_KEYS.get(resource["resourceType"])
        if key == "patient":
            prefetch["patient"] = resource
        elif key is not None:
            prefetch[key]["entry"].append({"resource": resource})
    return prefetch


def draft_order(code: str, patient_id: str, *, site: str | None = L1_SNOMED) -> dict[str, Any]:
    order: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": f"draft-{code}", "status": "draft",
        "intent": "order", "subject": {"reference": f"Patient/{patient_id}"},
        "code": {"coding": [{"system": CPT, "code": code}]},
    }  # fmt: skip
    if site:
        order["bodySite"] = [{"coding": [{"system": "http://snomed.info/sct", "code": site}]}]
    return order


def hook_body(
    hook: str,
    patient_id: str,
    prefetch: dict[str, Any] | None,
    orders: list[dict[str, Any]] = (),
    **extra: Any,
) -> dict[str, Any]:  # type: ignore[assignment]
    context: dict[str, Any] = {"patientId": patient_id, "userId": "Practitioner/p1"}
    if hook != "patient-view":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": o} for o in orders]}  # fmt: skip
    if hook == "order-select":
        context["selections"] = [f"ServiceRequest/{o['id']}" for o in orders]
    body = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, **extra}
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


class ClientKeys:
    """An ES384 and an RS384 key pair made for one test, and their public JWK Set."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key, alg in (("ec-1", self.ec, "ES384"), ("rsa-1", self.rsa, "RS384")):
            jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": keys}

    def write(self, folder: Path) -> str:
        path = folder / "client-jwks.json"
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")
        return str(path)

    def token(self, aud: str, *, alg: str = "ES384", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": aud, "iat": now, "exp": now + 300,
                "jti": str(uuid.uuid4()), **claims}  # fmt: skip
        body = {k: v for k, v in body.items() if v is not None}
        key = self.ec if alg == "ES384" else self.rsa
        kid = "ec-1" if alg == "ES384" else "rsa-1"
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def live_app() -> Any:
    """``uvicorn --factory kypho_cds_support:live_app``: the app with ``CdsSettings`` read
    from ``KYPHO_*`` (the CDS ones too), on its database brought to the current schema."""
    settings = CdsSettings()
    engine = make_engine(settings.database)
    upgrade(engine)
    return create_app(settings, engine=engine)
