"""Check an ext-coverage-information extension against its definition as derived from the
CRD STU 2.2 source (``crd_coverage_information_required.json`` says from where): each
element's cardinality and value type, the required code lists, the ``detail`` parts, the
Coverage reference, and the invariants crd-ci-q1 to q9 (q7 in its text form: kypho writes
a reason as text). Returns the problems found; an empty list means it conforms."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DEFINITION = json.loads(
    (Path(__file__).with_name("crd_coverage_information_required.json")).read_text("utf-8")
)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")  # FHIR date


def _part_problem(part: dict[str, Any], spec: dict[str, Any], where: str) -> str | None:
    name = part.get("url")
    values = [k for k in part if k.startswith("value")]
    if name not in spec["cardinality"]:
        return f"{where}unknown element {name!r}"
    if isinstance(spec.get(name), dict):  # a complex part (detail): extensions, no value
        ok = not values and bool(part.get("extension"))
        return None if ok else f"ext-1: {where}{name} is complex: extensions and no value"
    if len(values) != 1 or "extension" in part:
        return f"ext-1: {where}{name} has {len(values)} values"
    allowed = spec["value_types"].get(name)
    if allowed is not None and values[0] not in allowed:
        return f"{where}{name}: {values[0]}, expected one of {allowed}"
    codes = spec.get("required_codes", {}).get(name)
    if codes is not None and part.get(values[0]) not in codes:
        return f"{where}{name}: code {part.get(values[0])!r} not in {codes}"
    return None


def _parts_problems(parts: list[dict[str, Any]], spec: dict[str, Any], where: str) -> list[str]:
    found = [p for p in (_part_problem(part, spec, where) for part in parts) if p is not None]
    for name, (low, high) in spec["cardinality"].items():
        n = sum(1 for part in parts if part.get("url") == name)
        if n < low:
            found.append(f"{where}{name}: required, missing")
        if high != "*" and n > high:
            found.append(f"{where}{name}: more than {high}")
    return found


def _codes(parts: list[dict[str, Any]], name: str) -> list[Any]:
    return [p.get("valueCode") for p in parts if p.get("url") == name]


def _invariant_problems(parts: list[dict[str, Any]]) -> list[str]:
    names = {p.get("url") for p in parts}
    cov, pa, doc = _codes(parts, "covered"), _codes(parts, "pa-needed"), _codes(parts, "doc-needed")
    purposes = _codes(parts, "doc-purpose")
    found = []
    if "questionnaire" in names and "doc-needed" not in names:
        found.append("crd-ci-q1: questionnaire without doc-needed")
    if "not-covered" in cov and pa:
        found.append("crd-ci-q2: not-covered with pa-needed")
    if ("conditional" in cov + pa + doc) != ("info-needed" in names):
        found.append("crd-ci-q3: info-needed exists if and only if something is conditional")
    if set(pa) & {"satisfied", "noauth", "not-covered"} and "withpa" in purposes:
        found.append("crd-ci-q4: doc-purpose withpa with that pa-needed")
    if ("satisfied" in pa) != ("satisfied-pa-id" in names):
        found.append("crd-ci-q5: satisfied-pa-id if and only if pa-needed is satisfied")
    if "OTH" in _codes(parts, "info-needed") and "reason" not in names:
        found.append("crd-ci-q6: info-needed OTH without a reason")
    reasons = [p.get("valueCodeableConcept") or {} for p in parts if p.get("url") == "reason"]
    if any(not r.get("text") for r in reasons):
        found.append("crd-ci-q7: a reason without text (kypho uses no coded reasons)")
    if any(c != "conditional" for c in purposes) and "reason" not in names:
        found.append("crd-ci-q8: doc-purpose without a reason")
    if "indeterminate" in cov + pa + doc and "reason" not in names:
        found.append("crd-ci-q9: indeterminate without a reason")
    return found


def problems(extension: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if extension.get("url") != DEFINITION["extension_url"]:
        found.append(f"url: {extension.get('url')!r}")
    if any(k.startswith("value") for k in extension):
        found.append("ext-1: a complex extension with a value")
    parts = extension.get("extension") or []
    found += _parts_problems(parts, DEFINITION, "")
    for i, part in enumerate(p for p in parts if p.get("url") == "detail"):
        found += _parts_problems(part.get("extension") or [], DEFINITION["detail"], f"detail[{i}].")
    for part in parts:
        if part.get("url") in ("date", "expiry-date") and not _DATE.match(
            str(part.get("valueDate"))
        ):
            found.append(f"{part['url']}: {part.get('valueDate')!r} is not a FHIR date")
        if part.get("url") == "coverage":
            ref = str((part.get("valueReference") or {}).get("reference", ""))
            if not ref.startswith("Coverage/"):
                found.append(f"coverage: {ref!r} is not a reference to a Coverage")
    if "OTH" in _codes(parts, "info-needed") and not any(p.get("url") == "detail" for p in parts):
        found.append("info-needed OTH without a detail explaining it")
    return found + _invariant_problems(parts)
