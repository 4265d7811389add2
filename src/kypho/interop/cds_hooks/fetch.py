"""The patient's resources for the decision: the prefetch, else the client's FHIR server.

The prefetch is used when every key of ``discovery.PREFETCH`` is there. When some are
missing (or the prefetched Patient is not ``context.patientId``: another patient's data
is never used), the whole chart is pulled from ``fhirServer`` with the
``fhirAuthorization`` bearer token (``kypho.interop.fhir.client.pull_patient``). When it
cannot be pulled: 412 if a required key (``patient``, ``conditions``) is missing, else
the prefetch alone, with the missing keys listed (their facts stay unknown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kypho.errors import InteropError, InvalidInput, NotFound
from kypho.interop.cds_hooks.discovery import PREFETCH, REQUIRED_KEYS
from kypho.interop.cds_hooks.errors import PrefetchUnavailable
from kypho.interop.cds_hooks.request import HookRequest
from kypho.interop.fhir.client import pull_patient

FETCH_TIMEOUT_S = 10.0  # project convention: an EHR's FHIR server on the clinic network


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    bundle: dict[str, Any]  # a collection Bundle for bundle_to_case
    coverage: dict[str, Any] | None  # the patient's Coverage resource, if given
    fetched: bool  # pulled from fhirServer
    unread: tuple[str, ...]  # prefetch keys neither prefetched nor fetched


def _entries(value: dict[str, Any]) -> list[dict[str, Any]]:
    """Bundle entries (``fullUrl`` kept: references may use it) or the one resource."""
    if value.get("resourceType") != "Bundle":
        return [{"resource": value}]
    items = value.get("entry") or []
    return [
        {k: e[k] for k in ("fullUrl", "resource") if k in e}
        for e in items
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]


def _collection(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _usable_prefetch(request: HookRequest) -> tuple[dict[str, Any], bool]:
    """The prefetch keys read here, none where the prefetched Patient is not
    ``context.patientId``; and whether that was so."""
    prefetch = {k: v for k, v in request.prefetch.items() if k in PREFETCH}
    patient = prefetch.get("patient")
    wrong_patient = patient is not None and patient.get("id") != request.patient_id
    return ({} if wrong_patient else prefetch), wrong_patient


def will_fetch(request: HookRequest) -> bool:
    """Whether ``gather`` asks ``fhirServer`` for the chart: network I/O, up to
    ``FETCH_TIMEOUT_S``, where a fully prefetched call takes milliseconds of CPU."""
    prefetch, _ = _usable_prefetch(request)
    return request.fhir_server is not None and any(key not in prefetch for key in PREFETCH)


def gather(request: HookRequest, *, timeout_s: float = FETCH_TIMEOUT_S) -> Chart:
    """The chart to decide on (``PrefetchUnavailable`` when the decision cannot be made)."""
    prefetch, wrong_patient = _usable_prefetch(request)
    entries = [e for key in PREFETCH if key in prefetch for e in _entries(prefetch[key])]
    coverages = [e["resource"] for e in entries if e["resource"].get("resourceType") == "Coverage"]
    first = coverages[0] if coverages else None
    missing = tuple(key for key in PREFETCH if key not in prefetch)
    if not missing:
        return Chart(bundle=_collection(entries), coverage=first,
                     fetched=False, unread=())  # fmt: skip
    why = "was not prefetched"
    if request.fhir_server is not None:
        try:
            pulled = pull_patient(request.fhir_server, request.patient_id,
                                  token=request.access_token, timeout_s=timeout_s)  # fmt: skip
            return Chart(bundle=pulled, coverage=first, fetched=True,
                         unread=("coverage",) if not coverages else ())  # fmt: skip
        except (InteropError, NotFound, InvalidInput) as err:
            why = f"was not prefetched and {str(err).removeprefix('FHIR server: ')}"
    else:
        why += " and the request names no fhirServer"
    required = [key for key in REQUIRED_KEYS if key in missing]
    if required:
        field = f"prefetch.{required[0]}"
        if wrong_patient:
            raise PrefetchUnavailable(
                "prefetch.patient.id",
                "expected the Patient of context.patientId, got another patient's "
                f"(so no prefetched data is used); this patient's data {why}",
            )
        raise PrefetchUnavailable(field, f"expected {PREFETCH[required[0]]}, which {why}")
    return Chart(bundle=_collection(entries), coverage=first,
                 fetched=False, unread=missing)  # fmt: skip
