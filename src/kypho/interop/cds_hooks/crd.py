"""Da Vinci CRD (STU 2.2) coverage information: the Medicare LCD decision on the order.

Returned as a ``systemActions`` ``update`` of the draft order carrying the
``ext-coverage-information`` extension (never as a card). From the coverage policy's
decision: candidate -> ``covered``; not a candidate -> ``not-covered``; information
missing or a physician's review -> ``conditional``, with ``doc-needed`` ``clinical`` and
``info-needed`` (CRD invariant crd-ci-q3: info-needed exists exactly when something is
conditional). ``pa-needed`` is never asserted (kypho is not the payer; crd-ci-q2 forbids
it with ``not-covered``). ``reason`` carries the decision text and what is missing;
``billingCode`` the CPT codes; ``date`` the assessment date; ``coverage-assertion-id`` a
new UUID; ``coverage`` the patient's Coverage (prefetched), else a display-only reference.

The element names and codes are read from the CRD IG pages (docs/cds-hooks.md lists
which could be confirmed); kypho states the LCD's criteria, it does not speak for CMS.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

from kypho.domain.coding import kyphoplasty_cpt
from kypho.interop.cds_hooks.orders import VERTEBROPLASTY_CPT, order_codes, order_levels
from kypho.interop.fhir.codes import CPT
from kypho.rules import Assessment, Decision

EXT_COVERAGE_INFORMATION = (
    "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
)
COVERED = {
    Decision.CANDIDATE: "covered",
    Decision.NOT_CANDIDATE: "not-covered",
    Decision.NEEDS_INFORMATION: "conditional",
    Decision.NEEDS_REVIEW: "conditional",
}
REASON_MAX_CHARS = 1000  # project convention: a reason a clinician reads in the EHR


def billing_codes(order: dict[str, Any]) -> list[str]:
    """CPT codes for a kyphoplasty order by its levels (the one coding table), else its own.

    A vertebroplasty order (22510-22512) keeps its own codes: the table is kyphoplasty's.

    >>> billing_codes({"resourceType": "ServiceRequest", "code": {"coding": [
    ...     {"system": "http://www.ama-assn.org/go/cpt", "code": "22513"}]}})
    ['22513']
    """
    own = order_codes(order)
    if any(code in VERTEBROPLASTY_CPT for code in own):
        return list(dict.fromkeys(own))
    by_level = [code.lstrip("+") for _, code in kyphoplasty_cpt(order_levels(order)) if code]
    return list(dict.fromkeys(by_level or own))


def coverage_information(
    assessment: Assessment,
    *,
    order: dict[str, Any],
    coverage: dict[str, Any] | None,
    on: date,
    assertion_id: str | None = None,
) -> dict[str, Any]:
    """The ``ext-coverage-information`` extension for one order."""
    covered = COVERED[assessment.decision]
    if coverage is not None and coverage.get("id"):
        ref: dict[str, Any] = {"reference": f"Coverage/{coverage['id']}"}
    else:
        ref = {"display": "Medicare (no Coverage resource was supplied)"}
    parts: list[dict[str, Any]] = [
        {"url": "coverage", "valueReference": ref},
        {"url": "covered", "valueCode": covered},
    ]
    if covered == "conditional":
        parts.append({"url": "doc-needed", "valueCode": "clinical"})
        parts.append({"url": "info-needed", "valueCode": "OTH"})
    for code in billing_codes(order):
        parts.append({"url": "billingCode", "valueCoding": {"system": CPT, "code": code}})
    missing = sorted({m.document for m in assessment.missing})
    reason = f"{assessment.policy_title}: {assessment.decision.value}."
    if missing:
        reason += " Missing: " + "; ".join(missing) + "."
    if len(reason) > REASON_MAX_CHARS:
        reason = reason[: REASON_MAX_CHARS - 3] + "..."
    parts.append({"url": "reason", "valueCodeableConcept": {"text": reason}})
    parts.append({"url": "date", "valueDate": on.isoformat()})
    parts.append({"url": "coverage-assertion-id", "valueString": assertion_id or str(uuid.uuid4())})
    return {"url": EXT_COVERAGE_INFORMATION, "extension": parts}


def system_action(order: dict[str, Any], extension: dict[str, Any]) -> dict[str, Any]:
    """An ``update`` of ``order`` with the extension added (the EHR's order is not changed)."""
    updated = copy.deepcopy(order)
    updated["extension"] = [
        e for e in updated.get("extension") or []
        if not (isinstance(e, dict) and e.get("url") == EXT_COVERAGE_INFORMATION)
    ] + [extension]  # fmt: skip
    return {"type": "update", "description": "Medicare LCD L34106 coverage information",
            "resource": updated}  # fmt: skip
