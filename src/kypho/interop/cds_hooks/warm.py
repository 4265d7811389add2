"""One made-up order-sign decision at start-up, so that the first EHR call is not slow.

A process's first hook call imports what the decision needs (the FHIR mapping, pydicom's
vertebra codes of DICOM CID 7603, the rules engine, the card and CRD builders): on a fresh
server it took 1.95 s, the calls after it 6-8 ms (issue 11, on the 2-core bench
machine), and an EHR gives a CDS service a few seconds at most. ``warm_up`` pays that
once while the app starts, on a synthetic patient (nothing is read or stored: no
database, no network).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from kypho.domain import Level
from kypho.interop.cds_hooks.request import parse_hook_request
from kypho.interop.cds_hooks.service import answer
from kypho.interop.fhir.codes import (
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CPT,
    LOINC,
    PAIN_NRS,
    SCT_OSTEOPOROTIC_VERTEBRAL_FRACTURE,
    SNOMED,
    vertebra_codes,
)
from kypho.rules import CompiledPolicy, Policy

PATIENT = "kypho-warm-up"  # a synthetic patient: no real person


def _subject() -> dict[str, str]:
    return {"reference": f"Patient/{PATIENT}"}


def synthetic_order_sign(on: date) -> dict[str, Any]:
    """An order-sign call for a made-up patient: an osteoporotic L1 fracture three weeks
    old, pain 8/10, a Medicare coverage and a CPT 22514 draft order at L1."""
    l1 = [{"coding": [{"system": SNOMED, "code": vertebra_codes()[Level.L1]}]}]
    onset = (on - timedelta(days=21)).isoformat()

    def searchset(*resources: dict[str, Any]) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources]}  # fmt: skip

    fracture = {"resourceType": "Condition", "id": "warm-fracture", "subject": _subject(),
                "code": {"coding": [{"system": SNOMED,
                                     "code": SCT_OSTEOPOROTIC_VERTEBRAL_FRACTURE[0]}]},
                "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
                "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION,
                                                   "code": "confirmed"}]},
                "bodySite": l1, "onsetDateTime": onset}  # fmt: skip
    pain = {"resourceType": "Observation", "id": "warm-pain", "status": "final",
            "subject": _subject(), "code": {"coding": [{"system": LOINC, "code": PAIN_NRS}]},
            "effectiveDateTime": on.isoformat(), "valueInteger": 8}  # fmt: skip
    coverage = {"resourceType": "Coverage", "id": "warm-coverage", "status": "active",
                "beneficiary": _subject(), "payor": [{"display": "Medicare"}]}  # fmt: skip
    order = {"resourceType": "ServiceRequest", "id": "warm-order", "status": "draft",
             "intent": "order", "subject": _subject(), "bodySite": l1,
             "code": {"coding": [{"system": CPT, "code": "22514"}]}}  # fmt: skip
    return {
        "hook": "order-sign",
        "hookInstance": "00000000-0000-4000-8000-000000000000",
        "context": {"patientId": PATIENT, "userId": "Practitioner/kypho-warm-up",
                    "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                    "entry": [{"resource": order}]}},
        "prefetch": {"patient": {"resourceType": "Patient", "id": PATIENT,
                                 "birthDate": f"{on.year - 78}-07-01", "gender": "female"},
                     "conditions": searchset(fracture), "observations": searchset(pain),
                     "coverage": searchset(coverage)},
    }  # fmt: skip


def warm_up(policies: Sequence[Policy | CompiledPolicy], *, on: date) -> dict[str, Any]:
    """The synthetic call decided as a real one is (its answer, for the tests)."""
    hook = parse_hook_request(synthetic_order_sign(on), hook="order-sign", allowed_servers=())
    return answer(hook, policies, on=on, case_url="http://kypho.invalid/")
