"""Policy TOML: mutated bundled policies, judged by the schema and the documented checks.

The oracle parses with ``tomllib``, validates against ``docs/policy.schema.json`` and
then applies, computed here, the checks docs/policies.md lists under "What the check
refuses". Whether a comparison's value fits its fact needs the fact catalogue, so a
comparison that no bundled policy makes leaves the oracle without an opinion.
"""

from __future__ import annotations

import copy
import json
import math
import random
import tomllib
from functools import cache, lru_cache
from typing import Any

import jsonschema

from fuzz import mutate, tomltext
from fuzz.casefile import ROOT, Refused
from fuzz.target import FuzzTarget

MAX_BYTES = 1_000_000  # docs/policies.md: KYPHO_MAX_POLICY_FILE_BYTES default
POLICIES = ROOT / "src" / "kypho" / "rules" / "policies"
SILENT_ROLES = frozenset({"exclude", "review", "warn"})  # docs/policies.md: must act


@cache
def bundled() -> tuple[dict[str, Any], ...]:
    return tuple(
        tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(POLICIES.glob("*.toml"))
    )


@cache
def _known_tests() -> frozenset[str]:
    return frozenset(
        json.dumps(c["test"], sort_keys=True)
        for p in bundled()
        for c in p["criterion"]
        if "fact" in c["test"]
    )


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((ROOT / "docs" / "policy.schema.json").read_text("utf-8"))
    return schema


@cache
def _validator(part: str = "") -> jsonschema.Draft202012Validator:
    """The whole schema, or (``part``) one of its ``$defs`` with the rest for references."""
    schema = _schema()
    if part:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{part}"}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@lru_cache(maxsize=4096)
def _criterion_error(text: str) -> str:
    """The first schema fault of one criterion (its JSON), memoized: most are unchanged."""
    error = next(iter(_validator("CriterionTable").iter_errors(json.loads(text))), None)
    return "" if error is None else f"criterion {error.validator}"


def schema_error(doc: Any) -> str:
    """The first schema fault, or ''; the criteria one by one, so that unchanged ones are fast."""
    criteria = doc.get("criterion") if isinstance(doc, dict) else None
    if isinstance(criteria, list) and criteria:
        for item in criteria:
            fault = _criterion_error(json.dumps(item, sort_keys=True))
            if fault:
                return fault
        doc = dict(doc, criterion=[bundled()[0]["criterion"][0]])
    error = next(iter(_validator().iter_errors(doc)), None)
    return (
        ""
        if error is None
        else f"{'.'.join(map(str, error.absolute_path)) or 'top'} {error.validator}"
    )


def _refs(criterion: dict[str, Any]) -> list[str]:
    test = criterion["test"]
    return list(test.get("all_of") or test.get("any_of") or test.get("of") or [])


def _no_cycle(graph: dict[str, list[str]]) -> None:
    done: set[str] = set()
    for root in graph:
        if root in done:
            continue
        path = {root}
        stack = [(root, iter(graph[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.discard(node)
                done.add(node)
            elif child in path:
                raise Refused("a cycle")
            elif child not in done:
                path.add(child)
                stack.append((child, iter(graph.get(child, []))))


def _check_score(doc: dict[str, Any], roles: dict[str, str]) -> list[str]:
    score = doc.get("score") or {}
    of = list(score.get("of") or [])
    if any(roles.get(i) != "score" for i in of) or any(
        r == "score" and i not in of for i, r in roles.items()
    ):
        raise Refused("score roles and score.of disagree")
    bands = sorted((b["min"], b["max"]) for b in score.get("band") or [])
    if any(lo > hi or hi > len(of) for lo, hi in bands):
        raise Refused("a band out of order or past the items")
    if any(b[0] <= a[1] for a, b in zip(bands, bands[1:], strict=False)):
        raise Refused("overlapping bands")
    return of


def cross_checks(doc: dict[str, Any]) -> bool | None:
    """docs/policies.md "What the check refuses", beyond the schema."""
    criteria = doc["criterion"]
    ids = [c["id"] for c in criteria]
    if len(set(ids)) < len(ids):
        raise Refused("a repeated criterion id")
    if doc["id"] in {p["id"] for p in bundled()}:
        raise Refused("a bundled policy's id")
    roles = {c["id"]: c.get("role", "require") for c in criteria}
    graph = {c["id"]: _refs(c) for c in criteria}
    for c in criteria:
        refs = graph[c["id"]]
        if len(set(refs)) < len(refs) or any(r not in roles for r in refs):
            raise Refused("a test listing an id twice or an undefined id")
        if "at_least" in c["test"] and c["test"]["at_least"] > len(refs):
            raise Refused("at_least larger than its list")
    score_of = _check_score(doc, roles)
    if any(r not in roles for r in score_of):
        raise Refused("score.of naming an undefined id")
    _no_cycle(graph)
    listed = {r for refs in graph.values() for r in refs} | set(score_of)
    if any(roles[i] in SILENT_ROLES for i in listed):
        raise Refused("a contraindication listed by another criterion")
    if not any(roles[i] == "require" for i in ids if i not in listed):
        raise Refused("no top-level require")
    tests = [json.dumps(c["test"], sort_keys=True) for c in criteria if "fact" in c["test"]]
    return True if all(t in _known_tests() for t in tests) else None


def _finite(doc: Any) -> bool:
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def judge(data: bytes) -> tuple[bool | None, str]:
    try:
        if len(data) > MAX_BYTES:
            raise Refused("too large")
        try:
            doc = tomllib.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            raise Refused("not UTF-8 TOML") from None
        if not _finite(doc):
            raise Refused("nan or inf")
        fault = schema_error(doc)
        if fault:
            raise Refused(f"schema: {fault}")
        return cross_checks(doc), ""
    except Refused as why:
        return False, str(why)


def _cross_mutation(doc: dict[str, Any], rng: random.Random) -> None:
    criteria = doc.get("criterion")
    if not isinstance(criteria, list) or not criteria:
        return
    c = rng.choice(criteria)
    if not isinstance(c, dict):
        return
    other = rng.choice(criteria)
    other_id = other.get("id") if isinstance(other, dict) else "x"
    pick = rng.randrange(6)
    if pick == 0:
        c["test"] = {"all_of": [other_id, c.get("id")]}  # maybe a cycle
    elif pick == 1:
        c["test"] = {
            "at_least": rng.choice((0, 1, 2, 3, 10**30)),
            "of": [other_id, "undefined-id"][: rng.randint(1, 2)],
        }
    elif pick == 2:
        c["role"] = rng.choice(("require", "exclude", "review", "warn", "score", "info", "veto"))
    elif pick == 3:
        c["id"] = other_id
    elif pick == 4 and isinstance(c.get("test"), dict):
        c["test"]["op"] = rng.choice(("<", "<=", ">", ">=", "==", "!=", "in", "=~"))
    else:
        score = doc.setdefault("score", {"of": [], "band": []})
        if isinstance(score, dict):
            score["band"] = [
                {"label": "a", "min": rng.randint(-1, 5), "max": rng.randint(0, 12)}
                for _ in range(rng.randint(0, 3))
            ]


def generate(rng: random.Random) -> bytes:
    """A bundled policy, renamed, then mutated in structure or damaged as text."""
    doc = copy.deepcopy(rng.choice(bundled()))
    if rng.random() < 0.9:
        doc["id"] = "fuzz-" + doc["id"]
    roll = rng.random()
    if roll < 0.05:
        return tomltext.dumps(doc).encode()
    if roll < 0.75:
        for _ in range(rng.choice((1, 1, 2, 3))):
            if rng.random() < 0.4 and isinstance(doc, dict):
                _cross_mutation(doc, rng)
            else:
                doc = mutate.structure(doc, rng)
        return tomltext.dumps(doc).encode("utf-8", "surrogatepass")
    return mutate.damage(tomltext.dumps(doc).encode(), rng)


TARGET = FuzzTarget(
    name="policy",
    suffix=".toml",
    argv=lambda path: ["policies", "--check", str(path)],
    generate=generate,
    valid=lambda data: judge(data)[0],
)
EXPLAIN = lambda data: judge(data)[1]  # noqa: E731
