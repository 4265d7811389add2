"""Every request a real client sent (``shared/data/cds-hooks/requests``) gets its answer.

What each one is (README there, and the files themselves), and so what the answer is:

- 00, 07: patient-view for a patient whose only Condition is "Osteoporotic compression
  fracture L1" in text, coded SNOMED 203468004 ("Osteoporotic fracture of vertebra") at
  bodySite SNOMED 14945000 ("L1 vertebra"). Neither is a SNOMED CT code: both fail the
  SCTID check digit (SNOMED CT Release File Specification 6.4; docs/fhir.md), and L1 is
  66794005 in DICOM CID 7603. kypho reads codes, never display text, so no fracture is
  known and there is no card; the import report names the malformed code. (Coded as the
  VSAC concept 203450003 "Osteoporosis with pathological fracture of lumbar vertebrae" at
  66794005, the same chart gives an L1 osteoporotic fracture: test_fhir_snomed_codes.py.)
- 01: order-select of a ServiceRequest with an empty coding; 02: CPT 70460 (head CT);
  03: order-sign of a MedicationRequest; 08, 09: HealthChain's order hooks with no
  draftOrders at all. None is a vertebral augmentation order: an empty card list.
- 06: HealthChain's synthetic patient-view, whose prefetched Patient is not
  ``context.patientId`` and which names no fhirServer: another patient's data is not
  used, this patient's cannot be fetched: 412 naming ``prefetch.patient.id``.
- The Sandbox signs each call (ES384, ``jku`` at its public JWK Set, unreachable here,
  and long expired): with JWTs required and no Sandbox key configured, 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from kypho_cds_support import SERVICE_OF, audit_rows, cds_client, real_request

from kypho.interop.cds_hooks.fetch import gather
from kypho.interop.cds_hooks.request import parse_hook_request
from kypho.interop.fhir.to_case import bundle_to_case

ON = date(2026, 12, 2)  # the day after the requests were captured
EMPTY_ANSWERS = (
    "00-sandbox-patient-view.json", "01-sandbox-order-select.json",
    "02-sandbox-order-select.json", "03-sandbox-order-sign.json",
    "07-healthchain-patient-view.json", "08-healthchain-order-select.json",
    "09-healthchain-order-sign.json",
)  # fmt: skip
SANDBOX = ("00-sandbox-patient-view.json", "01-sandbox-order-select.json",
           "02-sandbox-order-select.json", "03-sandbox-order-sign.json")  # fmt: skip


@pytest.fixture(scope="module")
def open_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """JWTs not required: the configuration for clients whose keys kypho cannot have."""
    with cds_client(tmp_path_factory.mktemp("open"), ON, cds_require_jwt=False) as client:
        yield client


@pytest.fixture(scope="module")
def strict_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """JWTs required, the Sandbox's issuer allowed, but none of its keys configured."""
    issuers = ("https://sandbox.cds-hooks.org",)
    with cds_client(tmp_path_factory.mktemp("strict"), ON, cds_allowed_issuers=issuers) as client:
        yield client


def _post(client, name: str):  # noqa: ANN001, ANN202
    request = real_request(name)
    body = request["body"]
    headers = {k: v for k, v in request["headers"].items() if k == "authorization"}
    return client.post(f"/cds-services/{SERVICE_OF[body['hook']]}", json=body, headers=headers)


@pytest.mark.parametrize("name", EMPTY_ANSWERS)
def test_each_real_request_without_a_kyphoplasty_card_gets_an_empty_card_list(
    open_app: TestClient, name: str
) -> None:
    answer = _post(open_app, name)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"cards": []}  # no card, and no systemActions either
    assert audit_rows(open_app) == []


@pytest.mark.parametrize(
    "name", ["00-sandbox-patient-view.json", "07-healthchain-patient-view.json"]
)
def test_the_patient_views_have_no_card_because_their_fracture_code_is_no_snomed_code(
    name: str,
) -> None:
    body = real_request(name)["body"]
    conditions = body["prefetch"]["conditions"]["entry"]
    assert {c["resource"]["code"]["coding"][0]["code"] for c in conditions} == {"203468004"}
    chart = gather(parse_hook_request(body, hook="patient-view"), timeout_s=2.0)
    case, report = bundle_to_case(chart.bundle)
    assert case.fractures is None or case.fractures == ()
    assert [line.detail for line in report.ignored if "Condition" in line.resource] == [
        "no code kypho maps; SNOMED 203468004 is not a SNOMED CT identifier "
        "(its check digit fails: docs/fhir.md)"
    ] * len(conditions)


def test_healthchain_synthetic_patient_view_is_412_naming_the_other_patient(
    open_app: TestClient,
) -> None:
    answer = _post(open_app, "06-healthchain-patient-view.json")
    assert answer.status_code == 412
    issue = answer.json()["issue"][0]
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert issue["expression"] == ["prefetch.patient.id"]
    assert "another patient's" in issue["diagnostics"]
    assert "names no fhirServer" in issue["diagnostics"]


@pytest.mark.parametrize("name", SANDBOX)
def test_sandbox_calls_are_401_when_its_keys_are_not_configured(
    strict_app: TestClient, name: str
) -> None:
    answer = _post(strict_app, name)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["issue"][0]["code"] == "security"
    assert "no keys are configured" in answer.json()["issue"][0]["diagnostics"]
    assert audit_rows(strict_app) == []


def test_discovery_lists_the_three_hooks_with_the_prefetch_the_decision_reads(
    strict_app: TestClient,
) -> None:
    services = strict_app.get("/cds-services").json()["services"]  # public: no JWT
    assert {s["id"]: s["hook"] for s in services} == {
        "kypho-patient-view": "patient-view", "kypho-order-select": "order-select",
        "kypho-order-sign": "order-sign",
    }  # fmt: skip
    for service in services:
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert service["prefetch"]["conditions"] == "Condition?patient={{context.patientId}}"
        assert {"observations", "allergies", "imaging", "coverage"} <= set(service["prefetch"])
        assert service["title"] and service["description"]
