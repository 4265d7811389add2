"""Against a real FHIR server on loopback: load exported Bundles, read them back, pull.

The server is Medplum's ``@medplum/fhir-router`` over its in-memory repository, behind
node's HTTP server (``node/server.mjs``; chosen over ``sekmet-fhir`` because it installs
from the same pinned npm lock as the validator, needs no second Python environment and
runs Medplum's own transaction and search code). Each exported Bundle is POSTed as a
transaction, read back with ``fhirpy``, and pulled by ``kypho.interop.fhir.client``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhirpy import SyncFHIRClient
from kypho_fhir_support import EXAMPLES, mapped, running_fhir_server, unordered

from kypho.casefile import case_to_dict, load_case
from kypho.errors import InteropError, InvalidInput, NotFound
from kypho.interop.fhir import bundle_to_case, export_bundle
from kypho.interop.fhir.client import pull_patient


@pytest.fixture(scope="module")
def fhir_base() -> Iterator[str]:
    with running_fhir_server() as base:
        yield base


def load(base: str, bundle: dict[str, Any]) -> dict[str, Any]:
    client = SyncFHIRClient(base)
    answer: dict[str, Any] = client.execute("/", method="post", data=bundle)
    return answer


def patient_id(answer: dict[str, Any]) -> str:
    location = answer["entry"][0]["response"]["location"]
    assert location.startswith("Patient/")
    return str(location.split("/")[1])


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json"))[:8], ids=lambda p: p.stem)
def test_an_exported_bundle_loads_as_a_transaction_and_reads_back(
    fhir_base: str, path: Path
) -> None:
    case = load_case(path)
    bundle = export_bundle(case, bundle_type="transaction")
    answer = load(fhir_base, bundle)
    assert answer["type"] == "transaction-response"
    statuses = {e["response"]["status"] for e in answer["entry"]}
    assert statuses == {"201"}
    pid = patient_id(answer)
    client = SyncFHIRClient(fhir_base)
    patient = client.reference("Patient", pid).to_resource()
    assert patient.get("birthDate") == case_to_dict(case)["patient"].get("birth_date")
    conditions = client.resources("Condition").search(subject=f"Patient/{pid}").fetch_all()
    sent = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    assert len(conditions) == len(sent)
    for condition in conditions:
        assert condition["subject"]["reference"] == f"Patient/{pid}"  # urn:uuid resolved


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json"))[:8], ids=lambda p: p.stem)
def test_pulling_the_patient_gives_back_the_mapped_case(fhir_base: str, path: Path) -> None:
    case = load_case(path)
    pid = patient_id(load(fhir_base, export_bundle(case, bundle_type="transaction")))
    pulled = pull_patient(fhir_base, pid)
    back, _ = bundle_to_case(pulled, case_id=case.case_id)
    assert unordered(case_to_dict(back)) == unordered(case_to_dict(mapped(case)))


def test_pulling_an_unknown_patient_is_not_found(fhir_base: str) -> None:
    with pytest.raises(NotFound, match="404") as caught:
        pull_patient(fhir_base, "no-such-patient")
    assert "no-such-patient" not in str(caught.value)  # no identifier in messages


def test_a_patient_id_that_is_not_a_fhir_id_is_refused_before_any_call() -> None:
    with pytest.raises(InvalidInput, match="patient_id"):
        pull_patient("http://127.0.0.1:9", "../Patient?name=x")


def test_a_server_that_does_not_answer_is_an_interop_error() -> None:
    with pytest.raises(InteropError, match="cannot be reached"):
        pull_patient("http://127.0.0.1:9", "p1", timeout_s=2)
