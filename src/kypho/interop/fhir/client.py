"""Pull one patient's resources from a FHIR R4 server (a base URL), as one Bundle.

Plain HTTP GETs with the standard library: ``Patient/{id}``, then a search by ``subject``
(``patient`` for AllergyIntolerance) for each resource type the import reads, following
``next`` links. The result is a ``collection`` Bundle for ``bundle_to_case``. A server
that cannot be reached or answers with an error is ``InteropError`` naming the request
(never the patient's id); an unknown patient is ``NotFound``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from kypho.errors import InteropError, InvalidInput, NotFound

PULLED_TYPES = ("Observation", "Condition", "AllergyIntolerance", "MedicationStatement",
                "MedicationRequest", "Procedure", "ServiceRequest", "ImagingStudy",
                "Encounter", "DiagnosticReport")  # fmt: skip
PAGE_SIZE = 200
MAX_PAGES_PER_TYPE = 50  # project convention: 10,000 resources of one type is far beyond a chart
MAX_RESPONSE_BYTES = 20_000_000
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR R4 id datatype


def check_patient_id(patient_id: str) -> str:
    """A FHIR id (letters, digits, '-', '.'; 1-64), else ``InvalidInput``.

    >>> check_patient_id("example-1")
    'example-1'
    """
    if not _FHIR_ID.match(patient_id):
        raise InvalidInput(
            "patient_id: expected a FHIR id (1-64 letters, digits, '-' or '.'), got another text"
        )
    return patient_id


def _get(url: str, where: str, *, token: str | None, timeout_s: float) -> dict[str, Any]:
    """The JSON object at ``url``; errors name ``where`` (no identifier), not the URL."""
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 (http(s) only, checked)
            raw = answer.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as err:
        err.close()  # its body is not read: close the connection it holds
        if err.code == 404:
            raise NotFound(f"FHIR server: {where}: not found (404)") from None
        raise InteropError(f"FHIR server: {where}: answered {err.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise InteropError(f"FHIR server: {where}: cannot be reached ({reason})") from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise InteropError(f"FHIR server: {where}: answer larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InteropError(f"FHIR server: {where}: answer is not JSON") from None
    if not isinstance(data, dict):
        raise InteropError(f"FHIR server: {where}: answer is not a JSON object")
    return data


def pull_patient(
    base_url: str, patient_id: str, *, token: str | None = None, timeout_s: float = 10.0
) -> dict[str, Any]:
    """A ``collection`` Bundle of the patient and their resources on the server."""
    check_patient_id(patient_id)
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https"):
        raise InvalidInput(f"KYPHO_FHIR_BASE_URL: expected an http(s) URL, got scheme {scheme!r}")
    base = base_url.rstrip("/")
    patient = _get(f"{base}/Patient/{patient_id}", "Patient/{id}", token=token,
                   timeout_s=timeout_s)  # fmt: skip
    entries = [{"fullUrl": f"{base}/Patient/{patient_id}", "resource": patient}]
    for kind in PULLED_TYPES:
        field = "patient" if kind == "AllergyIntolerance" else "subject"  # the resource's field
        query = urllib.parse.urlencode({field: f"Patient/{patient_id}", "_count": PAGE_SIZE})
        url: str | None = f"{base}/{kind}?{query}"
        pages = 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES_PER_TYPE:
                raise InteropError(f"FHIR server: {kind}: more than {MAX_PAGES_PER_TYPE} pages")
            page = _get(url, f"{kind} search", token=token, timeout_s=timeout_s)
            for item in page.get("entry") or []:
                resource = item.get("resource") if isinstance(item, dict) else None
                if isinstance(resource, dict) and resource.get("resourceType") == kind:
                    full = item.get("fullUrl") or f"{base}/{kind}/{resource.get('id')}"
                    entries.append({"fullUrl": full, "resource": resource})
            url = _next_link(page, base)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _next_link(page: dict[str, Any], base: str) -> str | None:
    """The ``next`` link, only if it stays on the configured server."""
    for link in page.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            if isinstance(url, str) and url.startswith(base + "/"):
                return url
            raise InteropError("FHIR server: a next link leads off the configured server")
    return None
