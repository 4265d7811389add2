"""A case with its assessments, plan, documents and follow-up -> one FHIR R4 Bundle.

- each assessment: a GuidanceResponse (status from the decision) whose output is a
  Parameters resource with every criterion's outcome, observed value, threshold and
  citations; a DetectedIssue per contraindication present;
- the plan: a CarePlan whose activities are ServiceRequests (intent ``proposal``) coded
  CPT from ``kypho.domain.coding``, one per level, with approach and cement volume;
- documents: DocumentReference with the file inline (base64), its size, its SHA-1 hash
  (FHIR R4 ``Attachment.hash``: SHA-1 of the bytes, base64) and, when the bytes were
  issued at a known time, that time (``Attachment.creation``, ``DocumentReference.date``);
  a document issued with a SHA-256 also carries it as an identifier (``urn:kypho:sha256``);
- the case's facts: ``from_case`` (measurements, follow-up scores...).

Full URLs are ``urn:uuid:`` derived from the case id and the resource's key, so a Bundle
is the same each time; ``bundle_type="transaction"`` adds a POST request per entry.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kypho.domain.case import Case
from kypho.interop.fhir import codes as c
from kypho.interop.fhir.from_case import Ref, Resource, case_resources, concept, site
from kypho.planning import FactorStatus, ProcedurePlan, ScreenItem
from kypho.planning.safety import describe
from kypho.rules import Assessment
from kypho.rules.types import CriterionResult

_NAMESPACE = uuid.UUID("4f6c2d1e-7b0a-4b8e-9c36-2a5d8e1f0b77")  # kypho's uuid5 namespace
DISCLAIMER = "Decision support from kypho: the physician decides."
# GuidanceResponse.status: the decision itself is in the output; only missing data changes it
_GUIDANCE_STATUS = {"needs_information": "data-required"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A document to export: its title, media type and bytes (a consent PDF...).

    ``issued_at`` (timezone-aware) is when these bytes were issued; ``sha256`` the hex
    digest they were stored with (checked against the bytes: a mismatch is refused).
    """

    title: str
    content_type: str
    data: bytes
    issued_at: datetime | None = None
    sha256: str | None = None

    def __post_init__(self) -> None:
        if self.issued_at is not None and self.issued_at.utcoffset() is None:
            raise ValueError(f"document {self.title!r}: issued_at needs a time zone")
        if self.sha256 is not None and hashlib.sha256(self.data).hexdigest() != self.sha256:
            raise ValueError(f"document {self.title!r}: its bytes do not match its SHA-256")


def export_bundle(
    case: Case,
    *,
    assessments: Sequence[Assessment] = (),
    safety: Sequence[ScreenItem] = (),
    plan: ProcedurePlan | None = None,
    documents: Sequence[Document] = (),
    bundle_type: str = "collection",
) -> dict[str, Any]:
    """The Bundle (type ``collection`` or ``transaction``) of the case and its results."""
    if bundle_type not in ("collection", "transaction"):
        raise ValueError(f"bundle_type: expected collection or transaction, got {bundle_type}")

    def url(key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{case.case_id}/{key}')}"

    def ref(key: str) -> dict[str, str]:
        return {"reference": url(key)}

    pairs = list(case_resources(case, ref))
    for i, assessment in enumerate(assessments):
        pairs += _assessment(assessment, ref, f"assessment/{i}")
    issues = safety or (plan.safety if plan is not None else ())
    pairs += [(f"issue/{i}", _issue(item, ref)) for i, item in enumerate(_present(issues))]
    if plan is not None:
        pairs += _plan(plan, ref)
    pairs += [(f"document/{i}", _document(d, ref)) for i, d in enumerate(documents)]
    entries = []
    for key, resource in pairs:
        entry: dict[str, Any] = {"fullUrl": url(key), "resource": resource}
        if bundle_type == "transaction":
            entry["request"] = {"method": "POST", "url": resource["resourceType"]}
        entries.append(entry)
    return {
        "resourceType": "Bundle",
        "identifier": {"system": c.KYPHO_CASE_ID, "value": case.case_id},
        "type": bundle_type,
        "entry": entries,
    }


def _present(items: Iterable[ScreenItem]) -> Iterator[ScreenItem]:
    return (i for i in items if i.status is FactorStatus.PRESENT)


def _flatten(criteria: Iterable[CriterionResult]) -> Iterator[CriterionResult]:
    for criterion in criteria:
        yield criterion
        yield from _flatten(criterion.children)


def _criterion(result: CriterionResult) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"name": "outcome", "valueCode": str(result.outcome)},
        {"name": "text", "valueString": result.text},
    ]
    if result.level is not None:
        parts.append({"name": "level", "valueString": str(result.level)})
    for name in ("observed", "threshold"):
        if getattr(result, name):
            parts.append({"name": name, "valueString": getattr(result, name)})
    parts += [{"name": "citation", "valueString": str(cite)} for cite in result.citations]
    return {"name": result.id, "part": parts}


def _assessment(assessment: Assessment, ref: Ref, key: str) -> list[tuple[str, Resource]]:
    criteria = list(_flatten(assessment.criteria))
    for level in assessment.levels:
        criteria += _flatten(level.criteria)
    params: list[dict[str, Any]] = [
        {"name": "decision", "valueCode": str(assessment.decision)},
        {"name": "policy", "valueString": f"{assessment.policy_id} {assessment.policy_version}"},
    ]
    params += [_criterion(r) for r in criteria]
    params += [{"name": "missing", "valueString": f"{m.fact}: {m.document}"}
               for m in assessment.missing]  # fmt: skip
    params += [{"name": "billing-code", "valueString": code} for code in assessment.billing_codes]
    guidance = {
        "resourceType": "GuidanceResponse",
        "moduleCodeableConcept": {"text": f"{assessment.policy_title} "
                                  f"({assessment.policy_id} {assessment.policy_version})"},
        "status": _GUIDANCE_STATUS.get(str(assessment.decision), "success"),
        "subject": ref("patient"),
        "occurrenceDateTime": assessment.on.isoformat(),
        "outputParameters": ref(f"{key}/output"),
        "note": [{"text": f"Decision: {assessment.decision}. {DISCLAIMER}"}],
    }  # fmt: skip
    return [(f"{key}/output", {"resourceType": "Parameters", "parameter": params}),
            (key, guidance)]  # fmt: skip


def _issue(item: ScreenItem, ref: Ref) -> Resource:
    cites = "; ".join(str(x) for x in item.citations)
    return {
        "resourceType": "DetectedIssue",
        "status": "final",
        "code": {"text": f"{item.contraindication_class} contraindication to kyphoplasty"},
        "severity": "high" if item.contraindication_class == "absolute" else "moderate",
        "patient": ref("patient"),
        "detail": describe(item) + (f" Sources: {cites}." if cites else ""),
    }


def _plan(plan: ProcedurePlan, ref: Ref) -> list[tuple[str, Resource]]:
    out: list[tuple[str, Resource]] = []
    for lp in plan.levels:
        request: Resource = {"resourceType": "ServiceRequest", "status": "draft",
                             "intent": "proposal", "subject": ref("patient")}  # fmt: skip
        if lp.billing_code:
            text = f"Balloon kyphoplasty, {lp.level}"
            request["code"] = concept(c.CPT, lp.billing_code.lstrip("+"), text)
        body = site(lp.level)
        if body:
            request["bodySite"] = body
        if plan.procedure_date is not None:
            request["occurrenceDateTime"] = plan.procedure_date.isoformat()
        cement = lp.cement
        request["note"] = [{"text": f"{lp.approach} approach; balloon {cement.balloon_size_class}; "
                            f"PMMA {cement.volume_low_ml:g}-{cement.volume_high_ml:g} mL "
                            f"({cement.basis})"}]  # fmt: skip
        out.append((f"plan/{lp.level}", request))
    notes = [*plan.refusal_reasons, *plan.warnings, plan.disclaimer]
    care_plan: Resource = {
        "resourceType": "CarePlan",
        "status": "revoked" if plan.refused else "active",
        "intent": "plan",
        "title": f"Kyphoplasty plan ({plan.policy_id}), decision {plan.decision}",
        "subject": ref("patient"),
        "activity": [{"reference": ref(key)} for key, _ in out],
        "note": [{"text": text} for text in notes if text],
    }
    if plan.override_reason:
        care_plan["note"].append({"text": f"Override by {plan.overridden_by}: "
                                  f"{plan.override_reason}"})  # fmt: skip
    if not care_plan["activity"]:
        del care_plan["activity"]
    return [*out, ("plan", care_plan)]


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data, usedforsecurity=False).digest()  # FHIR R4's Attachment.hash


def _document(doc: Document, ref: Ref) -> Resource:
    attachment: Resource = {
        "contentType": doc.content_type,
        "data": base64.b64encode(doc.data).decode("ascii"),
        "size": len(doc.data),
        "hash": base64.b64encode(hashlib.sha1(doc.data, usedforsecurity=False).digest()).decode(
            "ascii"
        ),
        "title": doc.title,
    }  # Attachment.hash: "The calculated hash of the data using SHA-1" (FHIR R4)
    resource: Resource = {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": ref("patient"),
        "description": doc.title,
        "content": [{"attachment": attachment}],
    }
    if doc.issued_at is not None:
        when = doc.issued_at.isoformat(timespec="seconds")
        attachment["creation"] = when
        resource["date"] = when
    if doc.sha256 is not None:
        resource["identifier"] = [{"system": c.KYPHO_SHA256, "value": doc.sha256}]
    return resource
