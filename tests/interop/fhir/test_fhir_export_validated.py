"""Every exported resource passes an independent FHIR R4 validator.

The validator is @medplum/core's ``validateResource`` (pinned in node/package.json), run
under Node on every resource of every example case's Bundle (assessments under every
bundled policy, safety issues, the plan, a document), and on the Bundles themselves.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from kypho_fhir_support import EXAMPLES, validate_with_medplum

from kypho.casefile import load_case
from kypho.domain import FollowUpVisit
from kypho.interop.fhir import Document, export_bundle
from kypho.policyfile import load_policy
from kypho.rules import policy_names
from kypho.workflows.assess import assess_case
from kypho.workflows.plan import plan_case

ON = date(2026, 11, 25)  # on or after every example's events, before every planned procedure
PDF = b"%PDF-1.4\n% synthetic test document\n%%EOF\n"


def export_example(path: Path) -> dict[str, Any]:
    case = load_case(path)
    policies = [load_policy(name) for name in policy_names()]
    assessed = assess_case(case, policies, on=ON)
    planned = plan_case(case, load_policy("practice"), on=ON,
                        procedure_date=case.procedure.procedure_date)  # fmt: skip
    if planned.plan.refused:  # plan anyway, so that the CarePlan has its levels
        planned = plan_case(case, load_policy("practice"), on=ON,
                            procedure_date=case.procedure.procedure_date,
                            override_reason="test export", overridden_by="Dr Test")  # fmt: skip
    document = Document(title="Consent (test)", content_type="application/pdf", data=PDF)
    return export_bundle(case, assessments=assessed.assessments, safety=assessed.safety,
                         plan=planned.plan, documents=[document])  # fmt: skip


def with_follow_up() -> dict[str, Any]:
    """Example 07 (procedure 2026-11-26) with two follow-up visits, exported."""
    case = load_case(EXAMPLES / "07-four-levels-one-session.json")
    visits = (FollowUpVisit(visit_date=date(2026, 12, 10), nrs=3, odi_pct=30, rdq=8),
              FollowUpVisit(visit_date=date(2027, 2, 26), nrs=2))  # fmt: skip
    return export_bundle(dataclasses.replace(case, follow_up=visits))


@pytest.fixture(scope="module")
def bundles() -> list[dict[str, Any]]:
    return [*(export_example(p) for p in sorted(EXAMPLES.glob("*.json"))), with_follow_up()]


INVALID = [  # negative controls: the validator is really checking
    {"resourceType": "Observation", "code": {"text": "no status"}},
    {"resourceType": "Patient", "birthDate": "14/03/1948"},
    {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
     "valueQuantity": {"value": "8"}},
]  # fmt: skip


@pytest.fixture(scope="module")
def validated(bundles: list[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
    """(what was sent, what the validator said), in one run of Node."""
    resources = [e["resource"] for b in bundles for e in b["entry"]] + bundles + INVALID
    return resources, validate_with_medplum(resources)


def test_every_exported_resource_and_bundle_is_valid_fhir_r4(
    validated: tuple[list[Any], list[dict[str, Any]]],
) -> None:
    sent, results = validated
    assert len(results) == len(sent)
    ours = results[: -len(INVALID)]
    assert [(r["resourceType"], r["issues"]) for r in ours if not r["ok"]] == []


def test_the_validator_refuses_invalid_resources(
    validated: tuple[list[Any], list[dict[str, Any]]],
) -> None:
    _, results = validated
    assert [r["ok"] for r in results[-len(INVALID) :]] == [False, False, False]


def test_the_export_has_every_kind_of_resource_the_mapping_writes(
    bundles: list[dict[str, Any]],
) -> None:
    kinds = {e["resource"]["resourceType"] for b in bundles for e in b["entry"]}
    assert kinds >= {"Patient", "Observation", "Condition", "AllergyIntolerance",
                     "MedicationStatement", "Procedure", "ServiceRequest", "ImagingStudy",
                     "GuidanceResponse", "Parameters", "DetectedIssue", "CarePlan",
                     "DocumentReference", "Encounter"}  # fmt: skip


def test_the_plan_is_coded_from_the_one_cpt_table(bundles: list[dict[str, Any]]) -> None:
    seven = bundles[6]  # 07-four-levels-one-session: fractures T11-L2, no levels planned
    proposals = [e["resource"] for e in seven["entry"]
                 if e["resource"].get("intent") == "proposal"]  # fmt: skip
    codes = [r["code"]["coding"][0]["code"] for r in proposals]
    sites = [r["bodySite"][0]["coding"][0]["display"] for r in proposals]
    assert list(zip(sites, codes, strict=True)) == [
        ("T11 vertebra", "22513"), ("T12 vertebra", "22515"),
        ("L1 vertebra", "22515"), ("L2 vertebra", "22515"),
    ]  # fmt: skip


def test_each_criterion_travels_with_its_outcome_and_citation(
    bundles: list[dict[str, Any]],
) -> None:
    first = bundles[0]
    params = [
        e["resource"] for e in first["entry"] if e["resource"]["resourceType"] == "Parameters"
    ]
    assert len(params) == 3  # one per bundled policy
    criteria = [p for p in params[0]["parameter"] if "part" in p]
    assert criteria
    for criterion in criteria:
        names = [part["name"] for part in criterion["part"]]
        assert names[0] == "outcome" and "citation" in names
    document = next(e["resource"] for e in first["entry"]
                    if e["resource"]["resourceType"] == "DocumentReference")  # fmt: skip
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == PDF


def test_every_exported_bundle_parses_with_fhir_resources(bundles: list[dict[str, Any]]) -> None:
    """A second, Python reader (R4B models: the same shape for what kypho writes)."""
    from fhir.resources.R4B.bundle import Bundle

    for exported in bundles:
        parsed = Bundle.model_validate(exported)
        assert len(parsed.entry or []) == len(exported["entry"])
