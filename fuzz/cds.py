"""CDS Hooks requests POSTed to the app's services, judged by the CDS Hooks 2.0 spec.

The generator starts from the captured requests (``../shared/data/cds-hooks/requests``,
read at run time; skipped where absent) and ones built here (no ``fhirServer``, a
``fhirAuthorization``, feedback calls), then breaks them: fields missing or of the wrong
type (``hook``, ``hookInstance``, ``context``, ``context.patientId``), another service's
hook, bad ``fhirServer`` URLs, broken prefetch resources and ``draftOrders`` Bundles,
NaN and Infinity, 400-digit numbers, deep nesting, repeated keys, a body over 5 MB,
non-UTF-8 bytes, a wrong or missing content type, generic JSON damage
(``fuzz.mutate``).

The oracle reads the bytes itself: a body that is not UTF-8 JSON (RFC 8259: no NaN or
Infinity) or not an object, or breaks a rule of the spec's request (``hook`` this
service's hook, ``hookInstance`` a non-empty text, ``context`` an object,
``context.patientId`` a FHIR id, ``fhirServer`` an http(s) URL the deployment allows,
``fhirAuthorization`` an object with a Bearer ``access_token``, each prefetch value a
resource or null, ``draftOrders`` a Bundle of resources, ``selections`` texts) must be
refused with 400 and an OperationOutcome whose ``expression`` names a broken field
(any one of them: the oracle collects them all), as do the documented limits
(docs/cds-hooks.md: a number NaN, infinite or over 1,000 digits, a lone surrogate
escape, arrays and objects nested over 100 deep), each at its place.
Unchanged requests must be answered (200, or 412 where the data cannot be fetched), and
a 200 must carry ``cards`` (and ``systemActions``) of the spec's shape. Nothing may be
stored from a refused call. Otherwise the oracle has no opinion.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

from fuzz import app, mutate
from fuzz.cds_answer import answer_fault, outcome_fault
from fuzz.classify import Run, Verdict
from fuzz.jsontext import Pairs, Raw, dumps, nesting_depth
from fuzz.target import FuzzTarget

REQUESTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "cds-hooks" / "requests"
SERVICES = {
    "patient-view": "kypho-patient-view",
    "order-select": "kypho-order-select",
    "order-sign": "kypho-order-sign",
}  # fmt: skip  (docs/cds-hooks.md)
HOOK_OF = {service: hook for hook, service in SERVICES.items()}
MAX_BODY_BYTES = 5_000_000  # docs/cds-hooks.md: the largest hook call body
MAX_ORACLE_DEPTH = 500
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 id datatype
JSON = "application/json"
BAD_SERVERS = (
    "ftp://x/fhir",
    "javascript:alert(1)",
    "http://",
    "",
    3,
    [],
    "http://10.0.0.1/",
    "http://127.0.0.1:8091/fhirx",
    "//127.0.0.1:8091/fhir",
    "HTTP://127.0.0.1",
)


def _patient_view() -> dict[str, Any]:
    return {
        "hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"patientId": "p1", "userId": "Practitioner/1"},
        "fhirAuthorization": {"access_token": "t0k3n", "token_type": "Bearer",
                              "expires_in": 300, "scope": "patient/*.read", "subject": "kypho"},
        "prefetch": {"patient": {"resourceType": "Patient", "id": "p1", "gender": "female",
                                 "birthDate": "1948-03-02"},
                     "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": []}},
    }  # fmt: skip


@cache
def bases() -> tuple[dict[str, Any], ...]:
    """The request bodies generated unchanged: the captured ones and ``_patient_view``."""
    found = [
        json.loads(p.read_text(encoding="utf-8"))["body"] for p in sorted(REQUESTS.glob("*.json"))
    ]
    return (*found, _patient_view())


def _feedback() -> dict[str, Any]:
    item = {"card": "c2b1e0b5-5a4e-4a42-9b8b-2b5f5e1d0a11", "outcome": "accepted",
            "acceptedSuggestions": [{"id": "9a0d9f86-6d4e-4c1a-b6c1-0f0b1b5c7e22"}],
            "outcomeTimestamp": "2026-12-01T10:00:00Z"}  # fmt: skip
    return {"feedback": [item]}


@cache
def _unchanged() -> frozenset[str]:
    found = {hashlib.sha256(_encode(_head(b["hook"]), b)).hexdigest() for b in bases()}
    head = _head("patient-view", feedback=True)
    found.add(hashlib.sha256(_encode(head, _feedback())).hexdigest())
    return frozenset(found)


def _head(hook: Any, *, feedback: bool = False, content_type: str | None = JSON) -> dict[str, Any]:
    service = SERVICES.get(hook, "kypho-patient-view") if isinstance(hook, str) else "x"
    path = f"/cds-services/{service}" + ("/feedback" if feedback else "")
    return {"method": "POST", "path": path, "content_type": content_type, "accept": JSON}


def _encode(head: dict[str, Any], body: Any) -> bytes:
    return app.request_bytes(head, dumps(body).encode("utf-8", "surrogatepass"))


def _context_edit(rng: random.Random, body: dict[str, Any]) -> None:
    context = body.get("context")
    if not isinstance(context, dict):
        body["context"] = rng.choice([None, "x", [], 1, {}])
        return
    action = rng.randrange(5)
    if action == 0:
        context.pop("patientId", None)
    elif action == 1:
        context["patientId"] = rng.choice(
            [3, None, "", "a b", "x" * 65, "é", "../p", [], "p\u0000"]
        )
    elif action == 2:
        context["draftOrders"] = rng.choice(
            [[], "x", {"resourceType": "Bundle", "entry": "x"}, {"resourceType": "Patient"},
             {"resourceType": "Bundle", "entry": [1, {"resource": 3}, {"resource": {}}]}]
        )  # fmt: skip
    elif action == 3:
        context["selections"] = rng.choice([[1], "ServiceRequest/1", {}, [None], ["x"] * 1000])
    else:
        context[rng.choice(["userId", "encounterId", "extra"])] = mutate._value(rng)


def _prefetch_edit(rng: random.Random, body: dict[str, Any]) -> None:
    prefetch = body.get("prefetch")
    if not isinstance(prefetch, dict) or rng.random() < 0.2:
        body["prefetch"] = rng.choice([[], "x", 1, None, {}])
        return
    key = rng.choice([*prefetch, "patient", "conditions", "observations"])
    value = prefetch.get(key)
    action = rng.randrange(4)
    if action == 0:
        prefetch[key] = rng.choice([[], "x", 1, {"id": "p1"}, {"resourceType": 3}])
    elif action == 1 and isinstance(value, dict):
        entries = [{"resource": copy.deepcopy(value)} for _ in range(2000)]
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    elif action == 2 and isinstance(value, dict):
        depth = rng.choice([50, 1000, 100_000])
        value["extension"] = Raw("[" * depth + "]" * depth)
    elif isinstance(value, dict):
        value[rng.choice(["birthDate", "gender", "id", "entry", "code"])] = mutate._value(rng)


def _edit(rng: random.Random, body: dict[str, Any]) -> Any:  # noqa: C901 - one per damage
    """One CDS-aware damage; may return a new root."""
    action = rng.randrange(12)
    if action == 0:
        body.pop(rng.choice(["hook", "hookInstance", "context", "fhirServer", "prefetch"]), None)
    elif action == 1:
        body["hook"] = rng.choice([*SERVICES, "Patient-View", "", None, 1, "order-dispatch"])
    elif action == 2:
        body["hookInstance"] = rng.choice(["", None, 7, [], "not-a-uuid", "x" * 10_000])
    elif action == 3:
        _context_edit(rng, body)
    elif action == 4:
        body["fhirServer"] = rng.choice(BAD_SERVERS)
    elif action == 5:
        body["fhirAuthorization"] = rng.choice(
            [[], "x", {"token_type": "bearer"}, {"access_token": 1, "token_type": "Bearer"},
             {"access_token": "t", "token_type": "MAC"}, None]
        )  # fmt: skip
    elif action == 6:
        _prefetch_edit(rng, body)
    elif action == 7:
        body[rng.choice(["x", "hook"])] = rng.choice(
            [Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1" + "0" * 400), Raw("1e999")]
        )
    elif action == 8:
        return Pairs((*body.items(), ("hook", "order-sign")))
    elif action == 9:
        body["padding"] = "x" * rng.choice([10_000, MAX_BODY_BYTES + 10])
    elif action == 10:
        depth = rng.choice([100, 1000, 100_000])
        body["context"] = Raw('{"a":' * depth + "1" + "}" * depth)
    else:
        return mutate.structure(body, rng)
    return body


def _bytes_damage(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.5:
        return mutate.damage(data, rng)
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00"]) + data[at:]


def generate(rng: random.Random) -> bytes:
    if rng.random() < 0.12:
        head, body = _head("patient-view", feedback=True), _feedback()
        with contextlib.suppress(KeyError, TypeError, IndexError, AttributeError, ValueError):
            for _ in range(rng.choice([0, 1, 1, 2])):
                body = mutate.structure(body, rng)
        return _encode(head, body)
    body: Any = copy.deepcopy(rng.choice(bases()))
    head = _head(body["hook"])
    if rng.random() < 0.1:  # another service, or the right one's hook at another's path
        head["path"] = f"/cds-services/{rng.choice([*HOOK_OF, 'nope', 'kypho-patient-view/x'])}"
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        with contextlib.suppress(KeyError, TypeError, IndexError, AttributeError, ValueError):
            if isinstance(body, dict):
                body = _edit(rng, body)
    if rng.random() < 0.08:
        head["content_type"] = rng.choice(
            [None, "text/plain", "application/x-www-form-urlencoded",
             "application/json; charset=latin-1", "multipart/form-data"]
        )  # fmt: skip
    data = dumps(body).encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = _bytes_damage(rng, data)
    return app.request_bytes(head, data)


# --- the oracle ------------------------------------------------------------------------

MAX_DEPTH = 100  # docs/cds-hooks.md: arrays and objects nested at most this deep
MAX_DIGITS = 1000  # docs/cds-hooks.md: the longest number, in digits
# docs/cds-hooks.md: no lone surrogate escape in a text (RFC 8259 8.2: unpredictable);
# a pair is one character, which json.loads joins, so any surrogate left is alone
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Limit:
    """A number the documented limits refuse (NaN, Infinity, too long, beyond a float)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise KeyError("repeated key")  # RFC 8259 4: names SHOULD be unique; no opinion
    return dict(pairs)


def _int(digits: str) -> Any:
    return _Limit() if len(digits.lstrip("-")) > MAX_DIGITS else int(digits)


def _float(text: str) -> Any:
    value = float(text)
    return _Limit() if value in (float("inf"), float("-inf")) else value


def _limits(value: Any, path: str, depth: int, found: list[str]) -> None:
    """Where ``value`` breaks the documented limits: each refused number's path, each text
    with a lone surrogate, and each array or object nested deeper than ``MAX_DEPTH`` (the
    outermost one)."""
    if isinstance(value, _Limit) or (isinstance(value, str) and LONE_SURROGATE.search(value)):
        found.append(path or "body")
        return
    if not isinstance(value, (dict, list)):
        return
    if depth > MAX_DEPTH:
        found.append(path or "body")
        return
    if isinstance(value, dict) and any(LONE_SURROGATE.search(key) for key in value):
        found.append(path or "body")  # a key: the object holding it is at fault
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        here = (
            f"{path}[{key}]" if isinstance(value, list) else f"{path}.{key}" if path else str(key)
        )
        _limits(item, here, depth + 1, found)


class _Faults(list):  # type: ignore[type-arg]
    """The fields at fault found so far; ``need`` adds one and says whether it held."""

    def need(self, value: Any, kind: type, field: str) -> bool:
        if not isinstance(value, kind) or (kind is str and not value):
            self.append(field)
            return False
        return True


def _url(value: Any, faults: _Faults) -> None:
    if not faults.need(value, str, "fhirServer"):
        return
    scheme, _, rest = value.partition("://")
    here = value.rstrip("/")
    if scheme.lower() not in ("http", "https") or not rest:
        faults.append("fhirServer")
    elif here != app.FHIR_SERVER and not here.startswith(app.FHIR_SERVER + "/"):
        faults.append("fhirServer")  # not on KYPHO_CDS_ALLOWED_FHIR_SERVERS


def _orders(context: dict[str, Any], hook: str, faults: _Faults) -> None:  # noqa: C901
    if hook == "order-select" and context.get("selections") is not None:
        items = context["selections"]
        if faults.need(items, list, "context.selections"):
            for item in items:
                if not faults.need(item, str, "context.selections"):
                    break
    bundle = context.get("draftOrders")
    if bundle is None:
        return  # REQUIRED by the spec; tolerated as the real clients omit it (docs)
    where = "context.draftOrders"
    if not faults.need(bundle, dict, where):
        return
    if bundle.get("resourceType") != "Bundle":
        faults.append(where)
        return
    entries = bundle.get("entry", [])
    if not faults.need(entries, list, where):
        return
    for entry in entries:
        if not faults.need(entry, dict, where):
            return
        resource = entry.get("resource")
        if not faults.need(resource, dict, where):
            return
        if not faults.need(resource.get("resourceType"), str, where):
            return


def _prefetch(prefetch: Any, faults: _Faults) -> None:
    if not faults.need(prefetch, dict, "prefetch"):
        return
    for value in prefetch.values():
        if value is not None and not (
            faults.need(value, dict, "prefetch")
            and faults.need(value.get("resourceType"), str, "prefetch")
        ):
            return


def _rules(body: Any, hook: str) -> _Faults:
    """Every field at fault under the spec's rules for a request (not just the first: a
    service may name any of them)."""
    faults = _Faults()
    if not faults.need(body, dict, "body"):
        return faults
    if body.get("hook") != hook:
        faults.append("hook")  # not this service's hook
    faults.need(body.get("hookInstance"), str, "hookInstance")
    context = body.get("context")
    if faults.need(context, dict, "context"):
        patient = context.get("patientId")
        if faults.need(patient, str, "context.patientId") and not FHIR_ID.fullmatch(patient):
            faults.append("context.patientId")  # not a FHIR id
        if hook in ("order-select", "order-sign"):
            _orders(context, hook, faults)
    if body.get("fhirServer") is not None:
        _url(body["fhirServer"], faults)
    auth = body.get("fhirAuthorization")
    if auth is not None and faults.need(auth, dict, "fhirAuthorization"):
        if str(auth.get("token_type", "")).lower() != "bearer":
            faults.append("fhirAuthorization")
        faults.need(auth.get("access_token"), str, "fhirAuthorization")
    if body.get("prefetch") is not None:
        _prefetch(body["prefetch"], faults)
    return faults


def judge(data: bytes) -> tuple[bool | None, str, tuple[str, ...]]:
    """(must be accepted, why refused, every field at fault: a refusal may name any)."""
    if hashlib.sha256(data).hexdigest() in _unchanged():
        return True, "", ()
    head, body = app.split(data)
    if (
        head is None
        or head.get("method") != "POST"
        or not head["path"].startswith("/cds-services/")
    ):
        return None, "", ()
    service, _, rest = head["path"].removeprefix("/cds-services/").partition("/")
    if service not in HOOK_OF or rest not in ("", "feedback"):
        return None, "", ()  # 404
    if not _json_media_type(head.get("content_type")):
        return False, "a body of another media type than JSON (HTTP 415)", ("content-type",)
    text = _utf8_within_limit(body)
    if text is None:
        return False, "not UTF-8, or a body over 5 MB", ("body",)
    if nesting_depth(text) > MAX_ORACLE_DEPTH:
        return _json_only()
    try:
        found = json.loads(
            text, parse_constant=lambda _: _Limit(), parse_int=_int, parse_float=_float,
            object_pairs_hook=_pairs,
        )  # fmt: skip
    except KeyError:
        return None, "", ()
    except ValueError:
        return False, "not JSON", ("body",)
    limits: list[str] = []
    _limits(found, "", 1, limits)
    faults = [*limits, *(() if rest == "feedback" else _rules(found, HOOK_OF[service]))]
    if not faults:
        return None, "", ()
    more = f" (and {len(faults) - 1} more)" if len(faults) > 1 else ""
    return False, f"{faults[0]} at fault{more}", tuple(faults)


def _utf8_within_limit(body: bytes) -> str | None:
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _json_media_type(content_type: object) -> bool:
    """None said, ``application/json`` or a ``+json`` type (parameters aside): HTTP 415 else."""
    given = str(content_type or "").split(";")[0].strip().lower()
    return not given or given == "application/json" or given.endswith("+json")


def _json_only() -> tuple[bool | None, str, tuple[str, ...]]:
    """Too deep for the oracle to walk: deeper than ``MAX_DEPTH`` in any case, so the
    refusal names the body (or the place, which the oracle does not look for)."""
    return False, "nested deeper than the documented limit", ()


def explain(data: bytes) -> str:
    return judge(data)[1]


def check(data: bytes, run: Run) -> Verdict | None:
    seen = app.observed(run)
    if seen.get("status") is None:
        return None
    if run.exit_code != 0 and seen.get("changed"):
        return Verdict("wrong_exit", f"stored from a refused call: {seen['changed']}")
    if seen["status"] in (400, 415) and (fault := _named_fault(seen["body"], judge(data)[2])):
        return Verdict("message", re.sub(r"\[\d+\]", "[N]", fault), seen["body"][:500])
    if run.exit_code == 2 and seen["status"] not in (400, 413, 415):
        return Verdict("message", f"refused with HTTP {seen['status']}")
    if seen["status"] == 200 and "/feedback" not in (app.split(data)[0] or {}).get("path", ""):
        with contextlib.suppress(ValueError):
            if fault := answer_fault(json.loads(seen["body"])):
                return Verdict("wrong_exit", "answer not of the spec's shape: " + fault)
    return None


def _named_fault(body: str, faults: tuple[str, ...]) -> str | None:
    """``outcome_fault`` against each field at fault: none if the answer names any one."""
    found = [outcome_fault(body, field) for field in faults or ("",)]
    return None if None in found else found[0]


def _prepare(workdir: Path) -> None:
    app.prepare(workdir, lambda _client, _state: None)  # the physician only: no case


TARGET = FuzzTarget(
    name="cds",
    suffix=".http",
    argv=app.state_argv,
    generate=generate,
    valid=lambda data: judge(data)[0],
    main=app.run_request,
    prepare=_prepare,
    check=check,
)
EXPLAIN = explain
