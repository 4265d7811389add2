"""Da Vinci CRD (STU 2.2) coverage information: the Medicare LCD decision on the order.

Returned as a ``systemActions`` ``update`` of the draft order carrying the
``ext-coverage-information`` extension (never as a card). From the coverage policy's
decision: candidate -> ``covered``; not a candidate -> ``not-covered``; information
missing or a physician's review -> ``conditional``, with ``doc-needed`` ``clinical`` and
``info-needed`` ``OTH`` (invariant crd-ci-q3: info-needed exists exactly when something is
conditional), explained by a ``detail`` (the element's definition: OTH needs one) and the
``reason`` (crd-ci-q6). ``pa-needed`` is never asserted (kypho is not the payer; crd-ci-q2
forbids it with ``not-covered``). ``reason`` carries the decision text and what is missing;
``billingCode`` the CPT codes; ``date`` the assessment date; ``coverage-assertion-id`` a
new UUID; ``coverage`` the patient's Coverage (prefetched). ``coverage`` is 1..1, a
reference to the client's Coverage: with no Coverage resource the extension cannot be
returned (its definition says so), and ``coverage_information`` gives ``None``.

The definition is the IG's source, HL7/davinci-crd tag 2.2.1 (commit 2bfabc15e955),
``input/fsh/extensions/CoverageInformation.fsh``; the tests check every extension against
what is derived from it (tests/interop/cds_hooks/crd_coverage_information_required.json).
kypho states the LCD's criteria, it does not speak for CMS.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

from kypho.domain.coding import kyphoplasty_cpt
from kypho.interop.cds_hooks.orders import VERTEBROPLASTY_BARE, order_codes, order_levels
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
CRD_TEMP_CODES = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp"  # detail code (CRD 2.2)


def billing_codes(order: dict[str, Any]) -> list[str]:
    """CPT codes for a kyphoplasty order by its levels (the one coding table), else its own.

    A vertebroplasty order (22510-22512) keeps its own codes: the table is kyphoplasty's.

    >>> billing_codes({"resourceType": "ServiceRequest", "code": {"coding": [
    ...     {"system": "http://www.ama-assn.org/go/cpt", "code": "22513"}]}})
    ['22513']
    """
    own = order_codes(order)
    if any(code in VERTEBROPLASTY_BARE for code in own):
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
) -> dict[str, Any] | None:
    """The ``ext-coverage-information`` extension for one order; ``None`` without a Coverage."""
    if coverage is None or not coverage.get("id"):
        return None
    covered = COVERED[assessment.decision]
    parts: list[dict[str, Any]] = [
        {"url": "coverage", "valueReference": {"reference": f"Coverage/{coverage['id']}"}},
        {"url": "covered", "valueCode": covered},
    ]
    missing = sorted({m.document for m in assessment.missing})
    if covered == "conditional":
        parts.append({"url": "doc-needed", "valueCode": "clinical"})
        parts.append({"url": "info-needed", "valueCode": "OTH"})
        parts.append(_detail(missing))
    for code in billing_codes(order):
        parts.append({"url": "billingCode", "valueCoding": {"system": CPT, "code": code}})
    reason = f"{assessment.policy_title}: {assessment.decision.value}."
    if missing:
        reason += " Missing: " + "; ".join(missing) + "."
    parts.append({"url": "reason", "valueCodeableConcept": {"text": _clip(reason)}})
    parts.append({"url": "date", "valueDate": on.isoformat()})
    parts.append({"url": "coverage-assertion-id", "valueString": assertion_id or str(uuid.uuid4())})
    return {"url": EXT_COVERAGE_INFORMATION, "extension": parts}


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 3] + "..."


def _detail(missing: list[str]) -> dict[str, Any]:
    """What ``info-needed`` OTH stands for: the documentation the LCD decision still needs."""
    what = "; ".join(missing) if missing else "a physician's review of the LCD criteria"
    return {"url": "detail", "extension": [
        {"url": "category", "valueCode": "cat-limitation"},
        {"url": "code", "valueCodeableConcept": {
            "coding": [{"system": CRD_TEMP_CODES, "code": "instructions"}],
            "text": "Instructions"}},
        {"url": "value", "valueString": _clip(f"Coverage depends on documentation of: {what}.")},
    ]}  # fmt: skip


def system_action(order: dict[str, Any], extension: dict[str, Any]) -> dict[str, Any]:
    """An ``update`` of ``order`` with the extension added (the EHR's order is not changed)."""
    updated = copy.deepcopy(order)
    updated["extension"] = [
        e for e in updated.get("extension") or []
        if not (isinstance(e, dict) and e.get("url") == EXT_COVERAGE_INFORMATION)
    ] + [extension]  # fmt: skip
    return {"type": "update", "description": "Medicare LCD L34106 coverage information",
            "resource": updated}  # fmt: skip
