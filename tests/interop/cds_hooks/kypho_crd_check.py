"""Check an ext-coverage-information extension against the written-down definition
(``crd_coverage_information_required.json``: its sources, and what could not be confirmed).
Returns the problems found; an empty list means it conforms to what is written there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DEFINITION = json.loads(
    (Path(__file__).with_name("crd_coverage_information_required.json")).read_text("utf-8")
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _part_problems(parts: list[dict[str, Any]], found: list[str]) -> None:
    for part in parts:
        values = [k for k in part if k.startswith("value")]
        if len(values) != 1 or "extension" in part:
            found.append(f"ext-1: {part.get('url')} has {len(values)} values")
            continue
        expected = DEFINITION["value_types"].get(part["url"])
        if expected is None:
            found.append(f"unknown element {part['url']!r}")
        elif values[0] != expected:
            found.append(f"{part['url']}: {values[0]}, expected {expected}")
        codes = DEFINITION["codes"].get(part["url"])
        if codes is not None and part.get(values[0]) not in codes:
            found.append(f"{part['url']}: code {part.get(values[0])!r} not in {codes}")


def problems(extension: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if extension.get("url") != DEFINITION["extension_url"]:
        found.append(f"url: {extension.get('url')!r}")
    if any(k.startswith("value") for k in extension):
        found.append("ext-1: a complex extension with a value")
    parts = extension.get("extension") or []
    by_name: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        by_name.setdefault(part.get("url"), []).append(part)
    _part_problems(parts, found)
    found += [f"{n}: required, missing" for n in DEFINITION["required"] if n not in by_name]
    found += [f"{n}: more than one" for n in DEFINITION["max_one"] if len(by_name.get(n, [])) > 1]
    date_part = by_name.get("date", [{}])[0].get("valueDate", "")
    if "date" in by_name and not _DATE.match(str(date_part)):
        found.append(f"date: {date_part!r} is not a FHIR date")
    codes = {p["url"]: p.get("valueCode") for p in parts if "valueCode" in p}
    if codes.get("covered") == "not-covered" and "pa-needed" in by_name:
        found.append("crd-ci-q2: not-covered with pa-needed")
    conditional = any(
        p.get("valueCode") == "conditional"
        for n in ("covered", "pa-needed", "doc-needed")
        for p in by_name.get(n, [])
    )
    if conditional != ("info-needed" in by_name):
        found.append("crd-ci-q3: info-needed exists if and only if something is conditional")
    return found
