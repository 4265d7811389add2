"""Client JWTs (ES384/RS384 by a configured key, iss, aud, exp, jti; never none or HMAC),
malformed requests (400 naming the field), feedback, and nothing stored when refused."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from kypho_cds_support import (
    BASE,
    EXAMPLES,
    ISSUER,
    ClientKeys,
    audit_rows,
    cds_client,
    draft_order,
    hook_body,
    loopback_server,
    prefetch_of,
)  # fmt: skip

ON = date(2026, 11, 21)
PID = "p-1"
SIGN = "/cds-services/kypho-order-sign"
FEEDBACK = "/cds-services/kypho-order-sign/feedback"


@pytest.fixture(scope="module")
def keys() -> ClientKeys:
    return ClientKeys()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, keys: ClientKeys) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("cds-jwt")
    with cds_client(folder, ON, cds_allowed_issuers=(ISSUER,), cds_jwks=keys.write(folder)) as c:
        yield c


@pytest.fixture(scope="module")
def body() -> dict[str, Any]:
    from kypho.casefile import load_case

    prefetch = prefetch_of(load_case(EXAMPLES / "09-discitis.json"), PID)
    return hook_body("order-sign", PID, prefetch, [draft_order("22514", PID)])


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_valid_jwt_is_answered(
    client: TestClient, keys: ClientKeys, body: dict[str, Any], alg: str
) -> None:
    answer = client.post(SIGN, json=body, headers=_bearer(keys.token(BASE + SIGN, alg=alg)))
    assert answer.status_code == 200
    assert answer.json()["cards"][0]["indicator"] == "critical"


def _refusals(keys: ClientKeys, path: str = SIGN) -> dict[str, tuple[str | None, str]]:
    other = ClientKeys()
    now = int(time.time())
    hs = jwt.encode({"iss": ISSUER, "aud": BASE + path, "exp": now + 60, "jti": "h"}, "s" * 48,
                    algorithm="HS256")  # fmt: skip
    none = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(
        {"iss": ISSUER, "aud": BASE + path, "exp": now + 60, "jti": "n"}) + "."  # fmt: skip
    return {
        "no token": (None, "got none"),
        "not a JWT": ("Bearer abc", "not one"),
        "wrong iss": (f"Bearer {keys.token(BASE + path, iss='https://evil.test')}", "allow-list"),
        "wrong aud": (f"Bearer {keys.token(BASE + '/cds-services/other')}", "aud"),
        "expired": (f"Bearer {keys.token(BASE + path, exp=now - 3600, iat=now - 4000)}", "exp"),
        "no exp": (f"Bearer {keys.token(BASE + path, exp=None)}", "'exp'"),
        "no jti": (f"Bearer {keys.token(BASE + path, jti=None)}", "'jti'"),
        "alg none": (f"Bearer {none}", "ES384 or RS384"),
        "HS256": (f"Bearer {hs}", "ES384 or RS384"),
        "unknown key": (f"Bearer {other.token(BASE + path)}", "InvalidSignatureError"),
    }


@pytest.mark.parametrize("case", list(_refusals(ClientKeys())))
def test_each_bad_jwt_is_401_and_stores_nothing(
    client: TestClient, keys: ClientKeys, body: dict[str, Any], case: str
) -> None:
    before = audit_rows(client)
    for path, sent in ((SIGN, body), (FEEDBACK, {"feedback": [_accepted()]})):
        header, why = _refusals(keys, path)[case]
        headers = {"authorization": header} if header else {}
        answer = client.post(path, json=sent, headers=headers)
        assert answer.status_code == 401, (case, answer.text)
        assert why in answer.json()["issue"][0]["diagnostics"], answer.json()
    assert audit_rows(client) == before


def test_a_reused_jti_is_refused(
    client: TestClient, keys: ClientKeys, body: dict[str, Any]
) -> None:
    token = keys.token(BASE + SIGN)
    assert client.post(SIGN, json=body, headers=_bearer(token)).status_code == 200
    again = client.post(SIGN, json=body, headers=_bearer(token))
    assert again.status_code == 401
    assert "already used" in again.json()["issue"][0]["diagnostics"]


def _accepted() -> dict[str, Any]:
    return {"card": "0b9c6f4c-3c1e-4a51-9a43-7f0b7b5e2d11", "outcome": "accepted",
            "acceptedSuggestions": [{"id": "5d1b7a7e-6a2c-4d8e-9f3b-2c4e6a8b0d12"}],
            "outcomeTimestamp": "2026-11-21T10:00:00Z"}  # fmt: skip


def test_feedback_is_stored_without_the_clinicians_comment(
    client: TestClient, keys: ClientKeys
) -> None:
    overridden = {"card": "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f", "outcome": "overridden",
                  "overrideReason": {"reason": {"system": "http://example.org/reasons",
                                                "code": "patient-declined"},
                                     "userComment": "Mrs Smith prefers to wait"},
                  "outcomeTimestamp": "2026-11-21T10:05:00Z"}  # fmt: skip
    sent = {"feedback": [_accepted(), overridden]}
    before = audit_rows(client)
    answer = client.post(FEEDBACK, json=sent, headers=_bearer(keys.token(BASE + FEEDBACK)))
    assert answer.status_code == 200, answer.text
    rows = audit_rows(client)[len(before) :]
    assert [(a, t) for a, t, _ in rows] == [("cds-feedback", "cds-card")] * 2
    details = [json.loads(d) for _, _, d in rows]
    assert details[0]["outcome"] == "accepted"
    assert details[0]["acceptedSuggestions"] == ["5d1b7a7e-6a2c-4d8e-9f3b-2c4e6a8b0d12"]
    assert details[1] == {
        "service": "kypho-order-sign", "card": "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f",
        "outcome": "overridden", "acceptedSuggestions": [],
        "overrideReason": "http://example.org/reasons|patient-declined", "commentGiven": True,
        "outcomeTimestamp": "2026-11-21T10:05:00Z",
    }  # fmt: skip
    assert "Smith" not in json.dumps(rows)


BAD_FEEDBACK = [
    ({}, "feedback"),
    ({"feedback": []}, "feedback"),
    ({"feedback": [_accepted(), {**_accepted(), "outcome": "ignored"}]}, "feedback[1].outcome"),
    ({"feedback": [{**_accepted(), "acceptedSuggestions": []}]}, "feedback[0].acceptedSuggestions"),
    ({"feedback": [{**_accepted(), "card": ""}]}, "feedback[0].card"),
]


@pytest.mark.parametrize(("sent", "field"), BAD_FEEDBACK)
def test_malformed_feedback_is_400_naming_the_field_and_stores_nothing(
    client: TestClient,
    keys: ClientKeys,
    sent: dict[str, Any],
    field: str,
) -> None:
    before = audit_rows(client)
    answer = client.post(FEEDBACK, json=sent, headers=_bearer(keys.token(BASE + FEEDBACK)))
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == [field]
    assert audit_rows(client) == before


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return copy


def _with(data: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def _malformed(body: dict[str, Any]) -> list[tuple[Any, str]]:
    return [
        (_without(body, "hookInstance"), "hookInstance"),
        (_with(body, "patient-view", "hook"), "hook"),
        (_without(body, "context"), "context"),
        (_without(body, "context", "patientId"), "context.patientId"),
        (_with(body, "../../etc", "context", "patientId"), "context.patientId"),
        (_with(body, "ftp://x", "fhirServer"), "fhirServer"),
        (_with(body, {"token_type": "Bearer"}, "fhirAuthorization"),
         "fhirAuthorization.access_token"),
        (_with(body, [], "context", "draftOrders"), "context.draftOrders"),
        (_with(body, {"resourceType": "Patient"}, "context", "draftOrders"),
         "context.draftOrders.resourceType"),
        (_with(body, {"resourceType": "Bundle", "entry": [{"resource": 3}]}, "context",
               "draftOrders"), "context.draftOrders.entry[0].resource"),
        (_with(body, [1], "prefetch", "conditions"), "prefetch.conditions"),
        ([body], "body"),
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(12))
def test_a_malformed_request_is_400_naming_the_field(
    client: TestClient,
    keys: ClientKeys,
    body: dict[str, Any],
    index: int,
) -> None:
    sent, field = _malformed(body)[index]
    before = audit_rows(client)
    answer = client.post(SIGN, json=sent, headers=_bearer(keys.token(BASE + SIGN)))
    assert answer.status_code == 400, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [field]
    assert outcome["issue"][0]["diagnostics"].startswith(f"{field}: expected ")
    assert audit_rows(client) == before


def test_not_json_is_400_and_an_unknown_service_is_404(
    client: TestClient, keys: ClientKeys
) -> None:
    answer = client.post(SIGN, content=b"{not json", headers=_bearer(keys.token(BASE + SIGN)))
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == ["body"]
    path = "/cds-services/nope"
    answer = client.post(path, json={}, headers=_bearer(keys.token(BASE + path)))
    assert answer.status_code == 404


def test_the_keys_can_be_a_jwk_set_url(
    tmp_path: Path, keys: ClientKeys, body: dict[str, Any]
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    keys.write(folder)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with loopback_server(handler) as site:
        url = f"{site}/client-jwks.json"
        with cds_client(tmp_path, ON, cds_allowed_issuers=(ISSUER,), cds_jwks=url) as app:
            token = keys.token(BASE + SIGN, alg="RS384")
            assert app.post(SIGN, json=body, headers=_bearer(token)).status_code == 200
    with cds_client(tmp_path / "gone", ON, cds_allowed_issuers=(ISSUER,), cds_jwks=url) as app:
        answer = app.post(SIGN, json=body, headers=_bearer(keys.token(BASE + SIGN)))
    assert answer.status_code == 401
    assert "JWK Set cannot be read" in answer.json()["issue"][0]["diagnostics"]
