"""FHIR R4 Bundles for ``kypho fhir import``, judged by the rules of docs/fhir.md.

The generator starts from valid Bundles (the test Bundles in ``tests/interop/fhir/
bundles/``, read at run time, and one built here with every mapped resource type), then
breaks them: wrong types and missing or extra fields (``fuzz.mutate.structure``), huge,
NaN-like and out-of-range numbers, partial and impossible dates, unknown resource types,
several patients, references to another patient, deep nesting, repeated keys, 10,000
entries, byte damage.

The oracle reads the bytes itself: they must be UTF-8 (a byte-order mark allowed) and
JSON (RFC 8259: no ``NaN`` or ``Infinity``), an object whose ``resourceType`` is
``Bundle``; ``entry``, when present, a list of objects; each entry's ``resource``, when
present, an object with a resource type, and its ``fullUrl`` text. Any of these broken
is a malformed Bundle (docs/fhir.md "Bad input": exit 2). The Bundles generated without
change must be accepted. Otherwise the oracle has no opinion.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

from fuzz import mutate
from fuzz.jsontext import Pairs, Raw, dumps, nesting_depth
from fuzz.target import FuzzTarget

BUNDLES = Path(__file__).resolve().parents[1] / "tests" / "interop" / "fhir" / "bundles"
# 10,000 entries are copied only from a Bundle this small: not from one an earlier
# mutation gave a 2 MB text (that would be 20 GB in the generator).
MAX_COPIED_CHARS = 50_000
MAX_ORACLE_DEPTH = 500  # beyond this the oracle does not parse (docs say nothing of depth)
PATIENT = "urn:uuid:00000000-0000-4000-8000-000000000001"
LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
TYPES = ("Basic", "Patient", "Observation", "Condition", "bundle", "", "Bundle", "X" * 300)


class Refused(ValueError):
    """The oracle's reason the input must be refused."""


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _obs(n: int, code: str, value: dict[str, Any], day: str) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "resource": {
            "resourceType": "Observation",
            "id": f"o{n}",
            "status": "final",
            "code": _coded(LOINC, code),
            "subject": {"reference": PATIENT},
            "effectiveDateTime": day,
            **value,
        },
    }


def built_bundle() -> dict[str, Any]:
    """A Bundle of one patient with weight, height, pain, a fracture, imaging, drugs."""
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1948-03-02"}
    qty = "valueQuantity"
    entries: list[dict[str, Any]] = [
        {"fullUrl": PATIENT, "resource": patient},
        _obs(2, "29463-7", {qty: {"value": 61.5, "unit": "kg", "code": "kg"}}, "2026-11-01"),
        _obs(3, "8302-2", {qty: {"value": 158, "unit": "cm", "code": "cm"}}, "2026-11-01"),
        _obs(4, "72514-3", {"valueInteger": 8}, "2026-11-10T09:30:00+01:00"),
        {"resource": {
            "resourceType": "Condition", "id": "c1",
            "clinicalStatus": _coded("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                     "active"),
            "code": _coded(ICD10, "M80.08XA"),
            "bodySite": [_coded(SNOMED, "66794005")],
            "onsetDateTime": "2026-10-20",
            "subject": {"reference": PATIENT},
        }},
        {"resource": {
            "resourceType": "ImagingStudy", "id": "i1", "status": "available",
            "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                          "code": "MR"}],
            "started": "2026-11-05", "identifier": [{"value": "study-1"}],
            "subject": {"reference": PATIENT},
        }},
        {"resource": {
            "resourceType": "MedicationStatement", "id": "m1", "status": "active",
            "medicationCodeableConcept": _coded("http://www.whocc.no/atc", "B01AA03"),
            "subject": {"reference": PATIENT},
        }},
        {"resource": {"resourceType": "Practitioner", "id": "dr"}},
    ]  # fmt: skip
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@cache
def _bases() -> tuple[dict[str, Any], ...]:
    found = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(BUNDLES.glob("*.json"))]
    return (*found, built_bundle())


@cache
def _unchanged() -> frozenset[str]:
    return frozenset(hashlib.sha256(dumps(b).encode()).hexdigest() for b in _bases())


def _resources(doc: dict[str, Any]) -> list[dict[str, Any]]:
    entries = doc.get("entry")
    if not isinstance(entries, list):
        return []
    return [
        e["resource"]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]


def _fhir_edit(rng: random.Random, doc: dict[str, Any]) -> Any:  # noqa: C901 - one per damage
    """One FHIR-aware damage; may return a new root."""
    resources = _resources(doc)
    one = rng.choice(resources) if resources else {}
    entries = doc.get("entry") if isinstance(doc.get("entry"), list) else []
    action = rng.randrange(14)
    if action == 0:
        one["resourceType"] = rng.choice(TYPES)
    elif action == 1:
        doc["resourceType"] = rng.choice(["Patient", "bundle", None, 3, ""])
    elif action == 2:
        doc["entry"] = rng.choice([{}, "x", None, [1], [None], [[]], [{"resource": []}]])
    elif action == 3 and entries and len(dumps(doc)) < MAX_COPIED_CHARS:
        doc["entry"] = [copy.deepcopy(rng.choice(entries)) for _ in range(10_000)]
    elif action == 4:
        doc.setdefault("entry", []).append(
            {"resource": {"resourceType": "Patient", "id": "p2", "gender": "male"}}
        )
    elif action == 5:
        one["subject"] = rng.choice(
            [{"reference": "Patient/other"}, "Patient/p1", {"reference": 3}]
        )
    elif action == 6:
        key = rng.choice(["valueQuantity", "valueInteger", "onsetDateTime", "birthDate", "status"])
        one[key] = mutate._value(rng)
    elif action == 7:
        one["valueQuantity"] = {
            "value": rng.choice(mutate.EXTREMES),
            "code": rng.choice(["kg", "[lb_av]", "cm", "m", "[in_i]", "g", "", None]),
        }
    elif action == 8:
        one["effectiveDateTime"] = rng.choice(
            ["2026", "2026-02", "2026-02-30", "0000-01-01", "9999-12-31T23:59:59Z", "x", "2026-13"]
        )
    elif action == 9:
        one["gender"] = rng.choice(["male", "unknown", "MALE", "", 1])
        doc.setdefault("entry", []).append(
            {
                "resource": {
                    "resourceType": "Condition",
                    "code": _coded(ICD10, "Z33.1"),
                    "clinicalStatus": _coded("x", "active"),
                    "subject": {"reference": PATIENT},
                }
            }
        )
    elif action == 10:
        depth = rng.choice([50, 499, 1000, 100_000])
        one["extension"] = Raw("[" * depth + "]" * depth)
    elif action == 11 and entries:
        doc["entry"] = [  # a repeated "resource" key in each entry
            Pairs((*e.items(), ("resource", e.get("resource")))) if isinstance(e, dict) else e
            for e in entries
        ]
    elif action == 12:
        one["bodySite"] = rng.choice(
            [[_coded(SNOMED, "0")], [{}], {}, [_coded(SNOMED, "51282000")]]
        )
    else:
        value = rng.choice((*mutate.SCALARS, " "))
        doc["identifier"] = {"system": "urn:kypho:case-id", "value": value}
    return doc


def generate(rng: random.Random) -> bytes:
    doc: Any = copy.deepcopy(rng.choice(_bases()))
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        with contextlib.suppress(KeyError, TypeError, IndexError, AttributeError, ValueError):
            if isinstance(doc, dict):
                doc = _fhir_edit(rng, doc) if rng.random() < 0.5 else mutate.structure(doc, rng)
    data = dumps(doc).encode("utf-8", "surrogatepass")
    return mutate.damage(data, rng) if rng.random() < 0.1 else data


# --- the oracle ----------------------------------------------------------------------


def _constant(name: str) -> Any:
    raise Refused(f"{name} is not a JSON number")


def judge(data: bytes) -> tuple[bool | None, str]:
    if hashlib.sha256(data).hexdigest() in _unchanged():
        return True, ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False, "not UTF-8"
    if nesting_depth(text) > MAX_ORACLE_DEPTH:
        return None, ""
    try:
        doc = json.loads(text, parse_constant=_constant)
    except Refused as why:
        return False, str(why)
    except ValueError:
        return False, "not JSON"
    try:
        _check_shape(doc)
    except Refused as why:
        return False, str(why)
    return None, ""


def _check_shape(doc: Any) -> None:  # noqa: C901 - the rules in order
    if not isinstance(doc, dict):
        raise Refused("not a JSON object")
    if doc.get("resourceType") != "Bundle":
        raise Refused("resourceType is not Bundle")
    if "entry" not in doc:
        return
    entries = doc["entry"]
    if not isinstance(entries, list):
        raise Refused("entry is not a list")
    for item in entries:
        if not isinstance(item, dict):
            raise Refused("an entry that is not an object")
        resource = item.get("resource")
        if resource is None:
            continue
        if not isinstance(resource, dict):
            raise Refused("an entry's resource that is not an object")
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or not kind:
            raise Refused("a resource without a resource type")
        if item.get("fullUrl") is not None and not isinstance(item["fullUrl"], str):
            raise Refused("a fullUrl that is not text")


def explain(data: bytes) -> str:
    return judge(data)[1]


TARGET = FuzzTarget(
    name="fhir",
    suffix=".json",
    argv=lambda path: ["fhir", "import", str(path)],
    generate=generate,
    valid=lambda data: judge(data)[0],
)
EXPLAIN = explain
