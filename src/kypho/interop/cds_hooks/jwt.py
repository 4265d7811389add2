"""Verify a CDS client's JWT (CDS Hooks 2.0 "Trusting CDS Clients").

Accepted: ES384 or RS384 signatures by a key of the configured JWK Set (a local file, or
a URL read once and kept), ``iss`` on the allow-list, ``aud`` equal to the service's URL,
an ``exp`` in the future, a ``jti`` not seen before (kept until its ``exp``). Refused
(``ClientRejected``, 401): no token, ``alg: none``, any HMAC or other algorithm, an
unknown ``kid``, a bad signature, and each claim above. The token's ``jku`` is never
followed: the trusted keys are configuration, so a client whose keys cannot be fetched
(the public CDS Hooks Sandbox, here) is configured with its keys given locally, or not
trusted.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jwt as pyjwt

from kypho.interop.cds_hooks.errors import ClientRejected

ALGORITHMS = ("ES384", "RS384")  # CDS Hooks 2.0: ES384 and RS384 (HMAC never)
JWKS_MAX_BYTES = 1_000_000
JWKS_TIMEOUT_S = 5.0
LEEWAY_S = 30  # project convention: clock skew tolerated on exp


class ReplayCache(Protocol):
    def first_use(self, key: str, exp: float) -> bool:
        """True the first time ``key`` (issuer and jti) is seen; ``exp`` keeps it that long."""
        ...


class JtiCache:
    """``jti`` values seen, each kept until its token's ``exp`` (one process's memory).

    The app uses ``kypho.store.cds_jti.DbJtiCache`` instead: the database is shared by
    every app process, this memory is not.
    """

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, exp: float) -> bool:
        now = time.time()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: e for k, e in self._seen.items() if e + LEEWAY_S >= now}
            if key in self._seen:
                return False
            self._seen[key] = exp
            return True


def load_jwks(source: str | Path) -> pyjwt.PyJWKSet:
    """The JWK Set at a file path or an http(s) URL (``ValueError`` when unreadable)."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        with urllib.request.urlopen(text, timeout=JWKS_TIMEOUT_S) as answer:  # noqa: S310 (http(s) only)
            raw = answer.read(JWKS_MAX_BYTES + 1)
    else:
        raw = Path(text).read_bytes()
    if len(raw) > JWKS_MAX_BYTES:
        raise ValueError(f"{text}: a JWK Set larger than {JWKS_MAX_BYTES} bytes")
    return pyjwt.PyJWKSet.from_dict(json.loads(raw))


@dataclass
class ClientTrust:
    """What a deployment trusts: issuers, their keys, and the replay cache."""

    issuers: frozenset[str]
    keys: pyjwt.PyJWKSet | None
    seen: ReplayCache = field(default_factory=JtiCache)


def _reject(message: str) -> ClientRejected:
    return ClientRejected("authorization", message)


def _key(trust: ClientTrust, header: Mapping[str, Any]) -> Any:
    if trust.keys is None:
        raise _reject("expected a JWT signed by a configured key, but no keys are configured")
    kid = header.get("kid")
    candidates = [k for k in trust.keys.keys if kid is None or k.key_id == kid]
    if not candidates:
        raise _reject("expected a JWT signed by a configured key, got an unknown kid")
    return candidates[0].key


def verify_client_jwt(
    authorization: str | None, *, audience: str, trust: ClientTrust
) -> dict[str, Any]:
    """The token's claims if it is trusted, else ``ClientRejected`` saying why."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _reject("expected 'Bearer' and a JWT, got none")
    try:
        header = pyjwt.get_unverified_header(token.strip())
    except pyjwt.PyJWTError:
        raise _reject("expected a JWT, got text that is not one") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise _reject(f"expected a JWT signed with ES384 or RS384, got alg {str(alg)[:16]!r}")
    try:
        claims: dict[str, Any] = pyjwt.decode(
            token.strip(), _key(trust, header), algorithms=[alg], audience=audience,
            leeway=LEEWAY_S, options={"require": ["iss", "aud", "exp", "jti"]},
        )  # fmt: skip
    except pyjwt.ExpiredSignatureError:
        raise _reject("expected an unexpired JWT, got one past its exp") from None
    except pyjwt.InvalidAudienceError:
        raise _reject("expected aud to be this service's URL, got another") from None
    except pyjwt.MissingRequiredClaimError as err:
        raise _reject(f"expected the claim {err.claim!r}, got none") from None
    except pyjwt.PyJWTError as err:
        raise _reject(f"expected a valid signature and claims, got {type(err).__name__}") from None
    if claims["iss"] not in trust.issuers:
        raise _reject("expected iss on the allow-list, got another issuer")
    if not trust.seen.first_use(f"{claims['iss']} {claims['jti']}", float(claims["exp"])):
        raise _reject("expected a new jti, got one already used")
    return claims
