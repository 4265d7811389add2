"""Check a hook request (CDS Hooks 2.0) and read what the service needs from it.

A malformed request is ``BadHookRequest`` naming the field (``context.patientId``,
``prefetch.conditions``...), what was expected and what was found (a type, never a
value: a value may identify the patient). Tolerated, as the real clients send them
(``/work/shared/data/cds-hooks/README.md``): a ``draftOrders`` Bundle without ``type``,
draft resources without ``intent``, empty codings, a missing ``draftOrders`` on an order
hook (no order to act on, so no card), prefetch keys the service did not ask for
(ignored) and ``null`` prefetch values (not prefetched).
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from kypho.interop.cds_hooks.errors import BadHookRequest

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR R4 id datatype
ORDER_HOOKS = ("order-select", "order-sign")
MAX_BODY_BYTES = 5_000_000  # project convention: a prefetch of one patient's chart
MAX_DEPTH = 100  # arrays and objects nested; a FHIR resource needs about 10 (convention)
MAX_NUMBER_DIGITS = 1000  # as the FHIR import (kypho.interop.fhir.read_bundle)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True, slots=True, kw_only=True)
class HookRequest:
    hook: str
    hook_instance: str
    patient_id: str
    fhir_server: str | None
    access_token: str | None
    draft_orders: tuple[dict[str, Any], ...]  # the draft resources
    selections: tuple[str, ...]  # order-select: "ServiceRequest/id" of the selected drafts
    prefetch: dict[str, dict[str, Any]]  # key -> resource (null values left out)


class _NotJson(ValueError):
    """Text Python's parser takes but RFC 8259 does not (NaN), or a number too long."""


class _Refused:
    """Where the lenient re-read (``_locate``) met a value the strict read refuses."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


def _constant_why(name: str) -> str:
    return f"expected JSON numbers, got {name}"


def _digits_why(digits: str) -> str | None:
    count = len(digits.lstrip("-"))
    if count > MAX_NUMBER_DIGITS:
        return f"expected numbers of at most {MAX_NUMBER_DIGITS} digits, got {count}"
    return None


def _float_why(text: str) -> str | None:
    if float(text) in (float("inf"), float("-inf")):
        return "expected finite numbers, got one beyond the floating-point range"
    return None


def _no_constant(name: str) -> object:
    raise _NotJson(_constant_why(name))


def _bounded_int(digits: str) -> int:
    if why := _digits_why(digits):
        raise _NotJson(why)
    return int(digits)


def _finite_float(text: str) -> float:
    if why := _float_why(text):
        raise _NotJson(why)
    return float(text)


def _depth(text: str) -> int:
    """How deep arrays and objects nest, outside strings (no recursion, no parsing: for a
    text the parser refuses)."""
    brackets = re.sub(r"[^\[\]{}]", "", _STRING.sub("", text))
    return max(itertools.accumulate((1 if c in "[{" else -1 for c in brackets), initial=0))


_CONTAINERS = (dict, list)
MAX_PATH_CHARS = 120  # a named location is cut back to whole steps within this (convention)


def _children(value: object, path: str) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [(f"{path}.{key}" if path else str(key), item) for key, item in value.items()]
    if isinstance(value, list):
        return [(f"{path}[{n}]", item) for n, item in enumerate(value)]
    return []


def _short(path: str) -> str:
    """``path`` cut back to whole steps (``.key``, ``[n]``) within ``MAX_PATH_CHARS``;
    "body" for the top. A cut path still leads to the place, one step short."""
    while len(path) > MAX_PATH_CHARS:
        path = path[: max(path.rfind("."), path.rfind("["), 0)]
    return path or "body"


def _nesting(value: object) -> int:
    """How deep arrays and objects nest in parsed JSON, level by level (no recursion).

    Equal to ``_depth`` of the text it was parsed from (outside strings, each ``[`` or
    ``{`` opens one level), at a fifth of the cost or less: the containers are visited,
    the text's characters are not.

    >>> _nesting({"a": [1, {"b": []}], "c": "[[[["}), _depth('{"a": [1, {"b": []}], "c": "[[[["}')
    (4, 4)
    """
    depth = 0
    level = [value] if isinstance(value, _CONTAINERS) else []
    while level:
        depth += 1
        below: list[object] = []
        for item in level:
            below.extend(item.values() if isinstance(item, dict) else item)
        level = [v for v in below if isinstance(v, _CONTAINERS)]
    return depth


def _too_deep_at(value: object) -> str:
    """The path of the first array or object ``MAX_DEPTH + 1`` levels down, level by level
    (for a value already found too deep)."""
    level: list[tuple[str, object]] = [("", value)]
    for _ in range(MAX_DEPTH):
        level = [(p, v) for path, item in level for p, v in _children(item, path)
                 if isinstance(v, _CONTAINERS)]  # fmt: skip
    return level[0][0] if level else ""


def _too_deep(depth: int, where: str = "body") -> BadHookRequest:
    return BadHookRequest(
        where, f"expected arrays and objects nested at most {MAX_DEPTH} deep, got {depth}"
    )


def _lenient(text: str) -> object:
    """``text`` read again, each value the strict read refuses kept as a ``_Refused``;
    ``_NotJson`` where even that read fails (not JSON, or past the parser's depth)."""

    def keep(why: str | None, value: object) -> object:
        return value if why is None else _Refused(why)

    try:
        return json.loads(
            text,
            parse_constant=lambda name: _Refused(_constant_why(name)),
            parse_int=lambda d: keep(_digits_why(d), 0),
            parse_float=lambda t: keep(_float_why(t), 0.0),
        )
    except (json.JSONDecodeError, RecursionError):
        raise _NotJson("not JSON") from None


def _first_refused(value: object) -> tuple[str, str] | None:
    """(path, why) of the first ``_Refused`` in document order, or None."""
    stack: list[tuple[str, object]] = [("", value)]
    while stack:  # depth first, in document order
        path, item = stack.pop()
        if isinstance(item, _Refused):
            return path, item.why
        stack.extend(reversed(_children(item, path)))
    return None


def _refusal(text: str, err: Exception) -> BadHookRequest:
    """Why the strict read refused ``text``, named where: too deep first (at the first
    place too deep), then the first refused number; "body" for text that does not parse."""
    try:
        found = _lenient(text)
    except _NotJson:
        depth = _depth(text)
        if depth > MAX_DEPTH:
            return _too_deep(depth)
        if isinstance(err, _NotJson):
            return BadHookRequest("body", str(err))
        return BadHookRequest("body", "expected a JSON object, got text that is not JSON")
    if (depth := _nesting(found)) > MAX_DEPTH:
        return _too_deep(depth, _short(_too_deep_at(found)))
    where, why = _first_refused(found) or ("", str(err))
    return BadHookRequest(_short(where), why)


def read_hook_body(raw: bytes) -> object:
    """The JSON of a hook or feedback call's body; ``BadHookRequest`` if it is not UTF-8
    JSON text (RFC 8259: no NaN or Infinity), is over ``MAX_BODY_BYTES``, nests deeper
    than ``MAX_DEPTH`` or has a number longer than ``MAX_NUMBER_DIGITS`` or beyond the
    floating-point range. The field named is where the problem is (``hook``,
    ``context.draftOrders.entry[0]``...), or "body" for the text as a whole."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadHookRequest("body", f"expected at most {MAX_BODY_BYTES:,} bytes, got more")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadHookRequest(
            "body", "expected UTF-8 JSON text, got bytes that are not UTF-8"
        ) from None
    # Parsed first, measured after: a text Python's parser takes is valid JSON, whose
    # nesting ``_nesting`` gives from the parsed value (0.13 ms against 0.7-1.3 ms for
    # ``_depth`` on a 13 kB order-sign body, bench/bench_cds.py); a refused text is
    # measured as text, so that too deep is still the reason given first. The parser
    # itself stops at Python's recursion limit (RecursionError). Where the problem is
    # is looked for only once the strict read has refused the text.
    try:
        found = json.loads(
            text, parse_constant=_no_constant, parse_int=_bounded_int, parse_float=_finite_float
        )
    except (_NotJson, json.JSONDecodeError, RecursionError) as err:
        raise _refusal(text, err) from None
    depth = _nesting(found)
    if depth > MAX_DEPTH:
        raise _too_deep(depth, _short(_too_deep_at(found)))
    where = _lone_surrogate(found) if _SURROGATE_ESCAPE.search(text) else None
    if where is not None:
        raise BadHookRequest(
            where or "body", "expected text without a lone surrogate escape (\\uD800-\\uDFFF)"
        )
    return found


# Only a \uD800-\uDFFF escape can put a surrogate in the parsed text (strict UTF-8 has none);
# a pair of them is one character, a lone one cannot be stored or sent on.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: object, path: str = "") -> str | None:
    """The path of the first key or text holding a lone surrogate ("" for the top), or None.

    The depth is bounded by ``MAX_DEPTH`` (checked before parsing)."""
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _SURROGATE.search(key):
                return path or "body"
            found = _lone_surrogate(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = _lone_surrogate(item, f"{path}[{n}]")
            if found is not None:
                return found
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _kind(value: object) -> str:
    if value == "":
        return "an empty text"
    return {dict: "an object", list: "a list", str: "a text", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")  # fmt: skip


def _need(value: object, kind: type, field: str, expected: str) -> Any:
    if not isinstance(value, kind) or (kind is str and not value):
        raise BadHookRequest(field, f"expected {expected}, got {_kind(value)}")
    return value


def _url(value: object, field: str) -> str:
    text = _need(value, str, field, "an http(s) URL")
    if urllib.parse.urlsplit(text).scheme not in ("http", "https"):
        raise BadHookRequest(field, "expected an http(s) URL, got another text")
    return str(text)


def _token(body: dict[str, Any]) -> str | None:
    auth = body.get("fhirAuthorization")
    if auth is None:
        return None
    _need(auth, dict, "fhirAuthorization", "an object")
    if str(auth.get("token_type", "")).lower() != "bearer":
        raise BadHookRequest("fhirAuthorization.token_type", "expected 'Bearer', got another value")
    return str(_need(auth.get("access_token"), str, "fhirAuthorization.access_token", "a text"))


def _drafts(context: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    bundle = context.get("draftOrders")
    if bundle is None:
        return ()
    _need(bundle, dict, "context.draftOrders", "a FHIR Bundle")
    if bundle.get("resourceType") != "Bundle":
        raise BadHookRequest("context.draftOrders.resourceType", "expected 'Bundle', got another")
    entries = _need(bundle.get("entry", []), list, "context.draftOrders.entry", "a list")
    found = []
    for i, entry in enumerate(entries):
        where = f"context.draftOrders.entry[{i}]"
        resource = _need(entry, dict, where, "an object").get("resource")
        _need(resource, dict, f"{where}.resource", "a FHIR resource")
        _need(resource.get("resourceType"), str, f"{where}.resource.resourceType", "a text")
        found.append(resource)
    return tuple(found)


def _prefetch(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    prefetch = body.get("prefetch")
    if prefetch is None:
        return {}
    _need(prefetch, dict, "prefetch", "an object")
    found = {}
    for key, value in prefetch.items():
        if value is None:
            continue
        _need(value, dict, f"prefetch.{key}", "a FHIR resource or null")
        _need(value.get("resourceType"), str, f"prefetch.{key}.resourceType", "a text")
        if value.get("identifier") is not None:  # FHIR JSON: a 0..* element is an array
            _need(value["identifier"], list, f"prefetch.{key}.identifier", "a list")
        found[key] = value
    return found


def _server(value: object, allowed: tuple[str, ...]) -> str | None:
    """``fhirServer``, which must start with one of ``allowed`` when any is configured."""
    if value is None:
        return None
    url = _url(value, "fhirServer")
    bases = [a.rstrip("/") for a in allowed]
    here = url.rstrip("/")
    if bases and not any(here == b or here.startswith(b + "/") for b in bases):
        raise BadHookRequest(
            "fhirServer", "expected a server on KYPHO_CDS_ALLOWED_FHIR_SERVERS, got another"
        )
    return url


def parse_hook_request(
    body: object, *, hook: str, allowed_servers: tuple[str, ...] = ()
) -> HookRequest:
    """The request to the service for ``hook``, checked; ``BadHookRequest`` if malformed.

    ``allowed_servers``: the FHIR base URLs kypho may fetch from (empty: any).
    """
    body = _need(body, dict, "body", "a JSON object")
    assert isinstance(body, dict)
    if body.get("hook") != hook:
        raise BadHookRequest("hook", f"expected {hook!r} (this service's hook), got another")
    instance = _need(body.get("hookInstance"), str, "hookInstance", "a text (a UUID)")
    context = _need(body.get("context"), dict, "context", "an object")
    patient_id = _need(context.get("patientId"), str, "context.patientId", "a FHIR id")
    if not _FHIR_ID.match(patient_id):
        raise BadHookRequest("context.patientId", "expected a FHIR id, got another text")
    server = body.get("fhirServer")
    selections: tuple[str, ...] = ()
    if hook == "order-select" and context.get("selections") is not None:
        items = _need(context["selections"], list, "context.selections", "a list of texts")
        selections = tuple(_need(s, str, "context.selections[]", "a text") for s in items)
    drafts = _drafts(context) if hook in ORDER_HOOKS else ()
    return HookRequest(
        hook=hook,
        hook_instance=instance,
        patient_id=patient_id,
        fhir_server=_server(server, allowed_servers),
        access_token=_token(body),
        draft_orders=drafts,
        selections=selections,
        prefetch=_prefetch(body),
    )
