"""Cards and CRD coverage information, from the bundled examples sent as prefetch.

The examples' decisions are known answers (``tests/test_examples.py``: as of 2026-11-21,
example 01 is a candidate under Medicare LCD L34106, 05 needs information, 09 is not a
candidate: discitis). Through FHIR some facts do not travel (docs/fhir.md, "Not mapped":
instability, myelopathy...), so through the hook a candidate becomes "needs information"
while a recorded contraindication still refuses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kypho_cds_support import (
    EXAMPLES,
    cds_client,
    draft_order,
    hook_body,
    medicare_coverage,
    prefetch_of,
)
from kypho_crd_check import problems
from sqlalchemy import select

from kypho.casefile import load_case
from kypho.domain import Level
from kypho.interop.cds_hooks.crd import EXT_COVERAGE_INFORMATION, coverage_information
from kypho.interop.fhir.codes import vertebra_codes
from kypho.rules import load_policy
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import transaction
from kypho.store.models import Case, Patient
from kypho.store.seed import seed_examples
from kypho.workflows.assess import assess_case

ON = date(2026, 11, 21)  # the known-answer table's date
PID = "p-1"
COVERAGE = medicare_coverage(PID)


def _case(name: str):  # noqa: ANN202
    return load_case(EXAMPLES / f"{name}.json")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with cds_client(tmp_path_factory.mktemp("cds"), ON, cds_require_jwt=False) as client:
        yield client


def _call(app: TestClient, hook: str, example: str, orders: list[dict[str, Any]],
          **prefetch_extra: Any) -> dict[str, Any]:  # fmt: skip
    prefetch = {**prefetch_of(_case(example), PID), **prefetch_extra}
    answer = app.post(f"/cds-services/kypho-{hook}", json=hook_body(hook, PID, prefetch, orders))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _parts(action: dict[str, Any]) -> dict[str, Any]:
    (extension,) = [
        e for e in action["resource"]["extension"] if e["url"] == EXT_COVERAGE_INFORMATION
    ]
    assert problems(extension) == []
    found: dict[str, Any] = {}
    for part in extension["extension"]:
        value = next((v for k, v in part.items() if k.startswith("value")), part.get("extension"))
        found.setdefault(part["url"], []).append(value)
    return found


def test_a_contraindication_is_a_critical_card_and_not_covered(app: TestClient) -> None:
    result = _call(app, "order-sign", "09-discitis", [draft_order("22514", PID)])
    (card,) = result["cards"]
    assert card["indicator"] == "critical"
    assert len(card["summary"]) < 140
    assert card["summary"].startswith("Kyphoplasty L1: criteria not met. CONTRAINDICATION.")
    assert "Discitis" in card["detail"] and "### Medicare LCD L34106" in card["detail"]
    assert "Decision support only" in card["detail"]
    assert card["source"]["label"].startswith("kypho decision support")
    assert card["source"]["url"].endswith("LCDId=34106")
    assert card["links"] == [
        {"label": "Open in kypho", "url": "http://testserver/", "type": "absolute"}
    ]
    uuid.UUID(card["uuid"])
    (action,) = result["systemActions"]
    assert action["type"] == "update"
    assert action["resource"]["id"] == "draft-22514"
    assert action["resource"]["code"] == draft_order("22514", PID)["code"]  # the order itself
    parts = _parts(action)
    assert parts["covered"] == ["not-covered"]
    assert "pa-needed" not in parts and "info-needed" not in parts
    assert parts["billingCode"] == [{"system": "http://www.ama-assn.org/go/cpt", "code": "22514"}]
    assert parts["date"] == ["2026-11-21"]
    assert parts["coverage"] == [{"reference": "Coverage/cov-medicare"}]
    uuid.UUID(parts["coverage-assertion-id"][0])
    assert "not_candidate" in parts["reason"][0]["text"]


def test_without_a_coverage_resource_there_is_the_card_but_no_coverage_information(
    app: TestClient,
) -> None:
    # CRD STU 2.2: coverage is 1..1, a reference to the client's Coverage; "if no coverage
    # instance is available, the coverage-information extension cannot be returned".
    empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    result = _call(app, "order-sign", "09-discitis", [draft_order("22514", PID)], coverage=empty)
    assert len(result["cards"]) == 1
    assert "systemActions" not in result


def test_missing_mri_and_bmd_referral_become_suggestions_and_coverage_is_conditional(
    app: TestClient,
) -> None:
    t11 = vertebra_codes()[Level.T11]
    order = draft_order("22513", PID, site=t11)
    coverage = {"resourceType": "Coverage", "id": "cov-1", "status": "active"}
    result = _call(app, "order-select", "05-new-referral-radiograph-only", [order],
                   coverage={"resourceType": "Bundle", "type": "searchset",
                             "entry": [{"resource": coverage}]})  # fmt: skip
    (card,) = result["cards"]
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Kyphoplasty T11: information missing.")
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == [
        "Order the missing MRI",
        "Refer for bone density evaluation (BMD) with education",
    ]
    for suggestion in card["suggestions"]:
        uuid.UUID(suggestion["uuid"])
        (action,) = suggestion["actions"]
        assert action["type"] == "create"
        assert action["resource"]["resourceType"] == "ServiceRequest"
        assert action["resource"]["subject"] == {"reference": f"Patient/{PID}"}
    assert card["selectionBehavior"] == "any"
    assert "MRI of T11" in card["detail"]
    parts = _parts(result["systemActions"][0])
    assert parts["covered"] == ["conditional"]
    assert parts["info-needed"] and parts["doc-needed"] == ["clinical"]
    assert parts["billingCode"] == [{"system": "http://www.ama-assn.org/go/cpt", "code": "22513"}]
    assert parts["coverage"] == [{"reference": "Coverage/cov-1"}]
    assert "referral for bone density" in parts["reason"][0]["text"]


@pytest.mark.parametrize(("code", "acted_on"), [
    ("22510", True), ("22511", True), ("+22512", True), ("22513", True), ("22514", True),
    ("+22515", True), ("22515", True), ("22509", False), ("22516", False), ("70460", False),
])  # fmt: skip
def test_orders_are_recognised_by_cpt_code(app: TestClient, code: str, acted_on: bool) -> None:
    result = _call(app, "order-sign", "09-discitis", [draft_order(code, PID, site=None)])
    assert bool(result["cards"]) is acted_on
    assert ("systemActions" in result) is acted_on
    if acted_on:
        parts = _parts(result["systemActions"][0])
        assert parts["billingCode"] == [{"system": "http://www.ama-assn.org/go/cpt",
                                         "code": code.lstrip("+")}]  # fmt: skip


def test_display_text_alone_is_not_a_kyphoplasty_order(app: TestClient) -> None:
    order = draft_order("22514", PID)
    order["code"] = {"coding": [{"system": "http://example.org/local", "code": "22514",
                                 "display": "Balloon kyphoplasty, lumbar"}],
                     "text": "Kyphoplasty L1"}  # fmt: skip
    assert _call(app, "order-sign", "09-discitis", [order]) == {"cards": []}


def test_order_select_acts_only_on_the_selected_draft(app: TestClient) -> None:
    prefetch = prefetch_of(_case("09-discitis"), PID)
    kypho, ct = draft_order("22514", PID), draft_order("70460", PID)
    body = hook_body("order-select", PID, prefetch, [kypho, ct])
    body["context"]["selections"] = ["ServiceRequest/draft-70460"]
    answer = app.post("/cds-services/kypho-order-select", json=body)
    assert answer.json() == {"cards": []}


def test_patient_view_has_the_card_and_no_coverage_action(app: TestClient) -> None:
    result = _call(app, "patient-view", "09-discitis", [])
    (card,) = result["cards"]
    assert card["indicator"] == "critical"
    assert "systemActions" not in result


@pytest.mark.parametrize(("example", "covered"), [
    ("01-acute-l1-worsening-candidate", "covered"),
    ("05-new-referral-radiograph-only", "conditional"),
    ("09-discitis", "not-covered"),
])  # fmt: skip
def test_the_lcd_decision_maps_to_covered_conditional_and_not_covered(
    example: str, covered: str
) -> None:
    result = assess_case(_case(example), [load_policy("medicare-l34106")], on=ON)
    order = draft_order("22514", PID)
    extension = coverage_information(result.assessments[0], order=order, coverage=COVERAGE, on=ON)
    assert extension is not None and problems(extension) == []
    values = {p["url"]: p.get("valueCode") for p in extension["extension"]}
    assert values["covered"] == covered


def test_the_checker_catches_a_broken_extension() -> None:
    result = assess_case(
        _case("05-new-referral-radiograph-only"), [load_policy("medicare-l34106")], on=ON
    )
    extension = coverage_information(result.assessments[0], order=draft_order("22514", PID),
                                     coverage=COVERAGE, on=ON)  # fmt: skip
    assert extension is not None
    broken = {**extension, "extension": [p for p in extension["extension"]
                                         if p["url"] not in ("date", "info-needed")]}  # fmt: skip
    assert problems(broken) == [
        "date: required, missing",
        "crd-ci-q3: info-needed exists if and only if something is conditional",
    ]


def _conditional_extension() -> dict[str, Any]:
    result = assess_case(
        _case("05-new-referral-radiograph-only"), [load_policy("medicare-l34106")], on=ON
    )
    extension = coverage_information(
        result.assessments[0], order=draft_order("22514", PID), coverage=COVERAGE, on=ON
    )
    assert extension is not None and problems(extension) == []
    return extension


@pytest.mark.parametrize(("change", "problem"), [
    (lambda ps: [*ps, {"url": "info-needed", "valueCode": "contract"}],
     "info-needed: code 'contract' not in"),
    (lambda ps: [{"url": "coverage", "valueReference": {"display": "Medicare"}}
                 if p["url"] == "coverage" else p for p in ps],
     "coverage: '' is not a reference to a Coverage"),
    (lambda ps: [p for p in ps if p["url"] != "detail"],
     "info-needed OTH without a detail explaining it"),
    (lambda ps: [p for p in ps if p["url"] != "reason"], "crd-ci-q6: info-needed OTH without"),
    (lambda ps: [*ps, {"url": "pa-needed", "valueCode": "satisfied"}],
     "crd-ci-q5: satisfied-pa-id if and only if pa-needed is satisfied"),
    (lambda ps: [*ps, {"url": "questionnaire", "valueCanonical": "http://x/q"}][2:],
     "covered: required, missing"),
    (lambda ps: [*ps, {"url": "expiry-date", "valueString": "2027-01-01"}],
     "expiry-date: valueString, expected one of ['valueDate']"),
])  # fmt: skip
def test_the_checker_holds_the_stu_2_2_definition(change: Any, problem: str) -> None:
    extension = _conditional_extension()
    broken = {**extension, "extension": change(extension["extension"])}
    assert any(p.startswith(problem) for p in problems(broken)), problems(broken)


def test_conditional_coverage_explains_info_needed_oth_with_a_detail() -> None:
    parts = {p["url"]: p for p in _conditional_extension()["extension"]}
    detail = {p["url"]: p for p in parts["detail"]["extension"]}
    assert detail["category"]["valueCode"] == "cat-limitation"
    assert detail["code"]["valueCodeableConcept"]["coding"][0]["code"] == "instructions"
    assert "MRI" in detail["value"]["valueString"]


def _answer(app: TestClient, patient: dict[str, Any]) -> Any:
    prefetch = {**prefetch_of(_case("09-discitis"), PID)}
    prefetch["patient"] = {**prefetch["patient"], **patient}
    body = hook_body("order-sign", PID, prefetch, [draft_order("22514", PID)])
    return app.post("/cds-services/kypho-order-sign", json=body)


def _link(app: TestClient, patient: dict[str, Any]) -> str:
    answer = _answer(app, patient)
    assert answer.status_code == 200, answer.text
    (link,) = answer.json()["cards"][0]["links"]
    url: str = link["url"]
    return url


def test_the_card_links_to_the_patients_latest_case_found_by_mrn(tmp_path: Path) -> None:
    with cds_client(tmp_path, ON, cds_require_jwt=False) as app:
        with transaction(app.app.state.sessions) as db:  # type: ignore[attr-defined]
            seed_examples(db)  # EX-0001.. in file order; 09-discitis is the ninth
            again = replace(_case("09-discitis"), case_id="ex-09-second")  # a later referral
            details = PatientDetails(mrn="EX-0009", name="Example Patient 09", birth_date=None)
            latest = create_case(db, SYSTEM, patient=details, case=again).row.id
            first = db.scalar(select(Case.id).where(Case.case_ref != "ex-09-second")
                              .join(Patient).where(Patient.mrn == "EX-0009"))  # fmt: skip
            assert first is not None and first < latest
        mrn = [{"system": "urn:example:mrn", "value": "EX-0009"}]
        assert _link(app, {"identifier": mrn}) == f"http://testserver/cases/{latest}"
        assert _link(app, {"identifier": [{"value": "EX-9999"}]}) == "http://testserver/"
        assert _link(app, {}) == "http://testserver/"  # no identifier: no lookup
        other = _answer(app, {"id": "someone-else", "identifier": mrn})  # not the call's
        assert other.status_code == 412 and "cases/" not in other.text  # never another's case
