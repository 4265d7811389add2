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

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from kypho.interop.cds_hooks.errors import BadHookRequest

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR R4 id datatype
ORDER_HOOKS = ("order-select", "order-sign")


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


def _kind(value: object) -> str:
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
