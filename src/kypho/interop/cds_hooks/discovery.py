"""The discovery document (``GET /cds-services``): three services and their prefetch.

Prefetch templates ask for what the decision reads (docs/fhir.md: the resource types
the import maps), searched by patient. ``patient`` and ``conditions`` are REQUIRED_KEYS:
without them (prefetched or fetched) there is no decision and the call is answered 412;
the others, when neither prefetched nor fetchable, leave their facts unknown (the card
says so), which the engine never reads as "absent".
"""

from __future__ import annotations

from typing import Any

PATIENT = "{{context.patientId}}"
PREFETCH: dict[str, str] = {
    "patient": f"Patient/{PATIENT}",
    "conditions": f"Condition?patient={PATIENT}",
    "observations": f"Observation?patient={PATIENT}",
    "allergies": f"AllergyIntolerance?patient={PATIENT}",
    "medicationStatements": f"MedicationStatement?patient={PATIENT}",
    "medicationRequests": f"MedicationRequest?patient={PATIENT}",
    "procedures": f"Procedure?patient={PATIENT}",
    "serviceRequests": f"ServiceRequest?patient={PATIENT}",
    "imaging": f"ImagingStudy?patient={PATIENT}",
    "coverage": f"Coverage?patient={PATIENT}&status=active",
}
REQUIRED_KEYS = ("patient", "conditions")

SERVICES: dict[str, dict[str, str]] = {
    "kypho-patient-view": {
        "hook": "patient-view",
        "title": "kypho: kyphoplasty candidacy",
        "description": "For a patient with a vertebral compression fracture: whether the "
        "practice's and Medicare's criteria for balloon kyphoplasty are met, and what is "
        "missing. Decision support only: the physician decides.",
    },
    "kypho-order-select": {
        "hook": "order-select",
        "title": "kypho: vertebral augmentation order check",
        "description": "On a selected vertebral augmentation order (CPT 22510-22515): the "
        "candidacy card and the Medicare LCD coverage information (Da Vinci CRD).",
    },
    "kypho-order-sign": {
        "hook": "order-sign",
        "title": "kypho: vertebral augmentation order sign-off",
        "description": "Before a vertebral augmentation order (CPT 22510-22515) is signed: "
        "the candidacy card and the Medicare LCD coverage information (Da Vinci CRD).",
    },
}


def discovery() -> dict[str, Any]:
    """The discovery document: every service with its hook and prefetch templates.

    >>> sorted(s["hook"] for s in discovery()["services"])
    ['order-select', 'order-sign', 'patient-view']
    """
    return {
        "services": [
            {"id": sid, **meta, "prefetch": dict(PREFETCH)} for sid, meta in SERVICES.items()
        ]
    }
