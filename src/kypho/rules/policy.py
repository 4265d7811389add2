"""Policies as data: TOML files under ``policies/``, loaded into frozen, checked records.

A policy is a list of criteria. A criterion's ``test`` compares one fact with a
threshold (``{fact, op, value}``) or combines other criteria (``all_of``, ``any_of``,
``at_least``/``of``). Criteria no other criterion uses are top-level; their ``role``
says what they do to the decision (see ``kypho.rules.types.Role``).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

from kypho.errors import NotFound, RuleCatalogueError
from kypho.rules.facts import FACTS
from kypho.rules.observation import Scope
from kypho.rules.types import Citation, PolicyKind, Role

OPS = ("<", "<=", ">", ">=", "==", "!=", "in")
POLICY_PACKAGE = "kypho.rules.policies"


@dataclass(frozen=True, slots=True, kw_only=True)
class Compare:
    fact: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Combine:
    kind: str  # "all_of", "any_of", "at_least"
    of: tuple[str, ...]
    at_least: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    id: str
    text: str
    role: Role
    citations: tuple[Citation, ...]
    test: Compare | Combine
    threshold: str
    document: str | None = None
    redo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Band:
    label: str
    min_score: int
    max_score: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    id: str
    title: str
    version: str
    source: str
    summary: str
    criteria: tuple[Criterion, ...]
    top_level: tuple[str, ...]
    scopes: Mapping[str, Scope]
    decision_text: Mapping[str, str]
    kind: PolicyKind = PolicyKind.CANDIDACY
    billing: bool = False
    score_of: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    by_id: Mapping[str, Criterion] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # read-only views: a policy is shared (cached, across threads) and never changes
        object.__setattr__(self, "scopes", MappingProxyType(dict(self.scopes)))
        object.__setattr__(self, "decision_text", MappingProxyType(dict(self.decision_text)))
        object.__setattr__(self, "by_id", MappingProxyType({c.id: c for c in self.criteria}))

    def criterion(self, criterion_id: str) -> Criterion:
        return self.by_id[criterion_id]

    @property
    def needs_levels(self) -> bool:
        return any(self.scopes[c] is Scope.LEVEL for c in self.top_level)


def _fail(policy_id: str, message: str) -> RuleCatalogueError:
    return RuleCatalogueError(f"policy {policy_id}: {message}")


def _parse_test(pid: str, cid: str, raw: dict[str, Any]) -> Compare | Combine:
    if "fact" in raw:
        if raw["fact"] not in FACTS:
            raise _fail(pid, f"criterion {cid} reads unknown fact {raw['fact']!r}")
        if raw.get("op") not in OPS:
            raise _fail(pid, f"criterion {cid}: op must be one of {OPS}, got {raw.get('op')!r}")
        if "value" not in raw:
            raise _fail(pid, f"criterion {cid}: a fact test needs a value")
        value = tuple(raw["value"]) if isinstance(raw["value"], list) else raw["value"]
        return Compare(fact=raw["fact"], op=raw["op"], value=value)
    for kind in ("all_of", "any_of"):
        if kind in raw:
            return Combine(kind=kind, of=tuple(raw[kind]))
    if "at_least" in raw and "of" in raw:
        return Combine(kind="at_least", of=tuple(raw["of"]), at_least=int(raw["at_least"]))
    raise _fail(pid, f"criterion {cid}: test needs fact/op/value, all_of, any_of or at_least/of")


def _auto_threshold(test: Compare | Combine) -> str:
    if isinstance(test, Combine):
        if test.kind == "at_least":
            return f"at least {test.at_least} of {len(test.of)}"
        return test.kind.replace("_", " ")
    unit = FACTS[test.fact].unit
    value = test.value
    if isinstance(value, tuple):
        return f"one of {', '.join(map(str, value))}"
    if isinstance(value, bool):
        return "recorded as yes" if (value == (test.op == "==")) else "recorded as no"
    sep = "" if unit.startswith(("/", "%")) else " "
    return f"{test.op} {value}{sep}{unit}".rstrip()


def _parse_criterion(pid: str, raw: dict[str, Any]) -> Criterion:
    cid = raw.get("id")
    if not cid:
        raise _fail(pid, f"a criterion has no id: {raw}")
    cites = raw.get("cites") or []
    if not cites:
        raise _fail(pid, f"criterion {cid} cites no source")
    test = _parse_test(pid, cid, raw.get("test") or {})
    return Criterion(
        id=cid,
        text=raw.get("text") or "",
        role=Role(raw.get("role", "require")),
        citations=tuple(Citation(source=c) for c in cites),
        test=test,
        threshold=raw.get("threshold") or _auto_threshold(test),
        document=raw.get("document"),
        redo=raw.get("redo"),
    )


def _scopes(pid: str, criteria: dict[str, Criterion]) -> dict[str, Scope]:
    scopes: dict[str, Scope] = {}

    def scope_of(cid: str, trail: tuple[str, ...]) -> Scope:
        if cid in trail:
            raise _fail(pid, f"criteria refer to each other in a cycle: {' -> '.join(trail)}")
        if cid not in criteria:
            raise _fail(pid, f"{trail[-1]} refers to unknown criterion {cid!r}")
        if cid not in scopes:
            test = criteria[cid].test
            if isinstance(test, Compare):
                scopes[cid] = FACTS[test.fact].scope
            else:
                inner = [scope_of(c, (*trail, cid)) for c in test.of]
                scopes[cid] = Scope.LEVEL if Scope.LEVEL in inner else Scope.PATIENT
        return scopes[cid]

    for cid in criteria:
        scope_of(cid, ())
    return scopes


def policy_from_dict(raw: dict[str, Any]) -> Policy:
    """Build and check a policy from its parsed TOML."""
    pid = str(raw.get("id") or "?")
    for key in ("id", "title", "version", "source"):
        if not raw.get(key):
            raise _fail(pid, f"missing top-level key {key!r}")
    criteria = [_parse_criterion(pid, c) for c in raw.get("criterion", [])]
    by_id = {c.id: c for c in criteria}
    if len(by_id) != len(criteria):
        dupes = sorted({c.id for c in criteria if [d.id for d in criteria].count(c.id) > 1})
        raise _fail(pid, f"duplicate criterion ids: {', '.join(dupes)}")
    used = {child for c in criteria if isinstance(c.test, Combine) for child in c.test.of}
    score = raw.get("score", {})
    used |= set(score.get("of", []))
    return Policy(
        id=pid,
        title=raw["title"],
        version=str(raw["version"]),
        source=raw["source"],
        summary=raw.get("summary", ""),
        criteria=tuple(criteria),
        top_level=tuple(c.id for c in criteria if c.id not in used),
        scopes=_scopes(pid, by_id),
        decision_text=dict(raw.get("decision_text", {})),
        kind=PolicyKind(raw.get("kind", "candidacy")),
        billing=bool(raw.get("billing", False)),
        score_of=tuple(score.get("of", [])),
        bands=tuple(
            Band(label=b["label"], min_score=b["min"], max_score=b["max"])
            for b in score.get("band", [])
        ),
    )


def _test_to_dict(test: Compare | Combine) -> dict[str, Any]:
    if isinstance(test, Compare):
        value = list(test.value) if isinstance(test.value, tuple) else test.value
        return {"fact": test.fact, "op": test.op, "value": value}
    if test.kind == "at_least":
        return {"at_least": test.at_least, "of": list(test.of)}
    return {test.kind: list(test.of)}


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """The policy in the shape of its TOML file (``policy_from_dict`` reads it back)."""
    criteria = []
    for c in policy.criteria:
        raw: dict[str, Any] = {
            "id": c.id,
            "text": c.text,
            "role": c.role.value,
            "cites": [str(cite) for cite in c.citations],
            "test": _test_to_dict(c.test),
            "threshold": c.threshold,
        }
        raw.update({k: v for k, v in (("document", c.document), ("redo", c.redo)) if v})
        criteria.append(raw)
    out: dict[str, Any] = {
        "id": policy.id,
        "title": policy.title,
        "version": policy.version,
        "source": policy.source,
        "summary": policy.summary,
        "kind": policy.kind.value,
        "billing": policy.billing,
        "decision_text": dict(policy.decision_text),
        "criterion": criteria,
    }
    if policy.score_of:
        bands = [{"label": b.label, "min": b.min_score, "max": b.max_score} for b in policy.bands]
        out["score"] = {"of": list(policy.score_of), "band": bands}
    return out


def _policy_files() -> dict[str, Any]:
    """Bundled policy files by id: ``medicare_l34106.toml`` holds ``medicare-l34106``."""
    folder = resources.files(POLICY_PACKAGE)
    return {
        f.name.removesuffix(".toml").replace("_", "-"): f
        for f in folder.iterdir()
        if f.name.endswith(".toml")
    }


def policy_names() -> tuple[str, ...]:
    """Ids of the bundled policies, sorted."""
    return tuple(sorted(_policy_files()))


def bundled_policy_text(name: str) -> str:
    """The TOML text of a bundled policy (``NotFound`` for an unknown id)."""
    files = _policy_files()
    if name not in files:
        raise NotFound(f"policy: expected one of {', '.join(sorted(files))}; got {name!r}")
    text: str = files[name].read_text(encoding="utf-8")
    return text


@functools.cache
def load_policy(name: str) -> Policy:
    """A bundled policy by id (``practice``, ``medicare-l34106``, ``vcf-suspicion``).

    Cached per name (``functools.cache``): the result is a pure function of the
    bundled file and immutable, so sharing it is safe. The bundled files are
    checked against the policy-file schema by the tests (``kypho.policyfile``).
    """
    policy = policy_from_dict(tomllib.loads(bundled_policy_text(name)))
    if policy.id != name:  # pragma: no cover - every bundled file is named after its id
        raise RuleCatalogueError(f"policy file for {name!r} declares id {policy.id!r}")
    return policy
