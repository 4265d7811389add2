"""Checks a policy file's shape cannot express: values that fit their fact, references
that resolve, no cycles, roles that act, bands that do not overlap, a criterion that decides.

Each check returns ``None`` or a fault ``(at, expected, found)``: ``at`` is the path
inside the table checked (``("criterion", 3, "test", "of", 1)``), the other two are
the words of the message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kypho.domain import Etiology, Level
from kypho.rules.facts import FACTS

if TYPE_CHECKING:
    from kypho.policyfile.model import CriterionTable, PolicyFile

Path = tuple[str | int, ...]
Fault = tuple[Path, str, str]

_EQUALITY = ("==", "!=")
# Closed vocabularies of the text facts: a misspelt value would never match.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "level": tuple(Level),
    "etiology": tuple(Etiology),
    "pain_trajectory": ("worsening", "stable", "improved"),  # facts_patient.pain_trajectory
}
# The range each unit can take (project convention: what the scale or body allows).
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "%": (0, 100),
    "/10": (0, 10),  # NRS/VAS
    "/24": (0, 24),  # Roland-Morris
    "years": (0, 130),
    "levels": (1, len(Level)),
    "days": (0, 36_500),
}
_DECIDES = {
    "candidacy": "what a case must meet to be a candidate",
    "coverage": "what a case must meet to be covered",
    "triage": "what makes the next step indicated",
}
_ACTS_ONLY_AT_TOP = ("exclude", "review", "warn")
_MAX_SHOWN = 60


def show(value: Any) -> str:
    """A value as the file would spell it, shortened when long.

    >>> show("=~"), show([1, 2]), show(True)
    ('"=~"', '[1, 2]', 'true')
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _item_fault(fact: str, item: Any) -> tuple[str, str] | None:
    spec = FACTS[fact]
    if spec.kind == "text":
        allowed = VOCABULARY.get(fact)
        if not isinstance(item, str):
            return f"text (fact {fact} is text)", show(item)
        if allowed is not None and item not in allowed:
            return f"one of {', '.join(allowed)}", show(item)
        return None
    whole = spec.kind == "days"
    if isinstance(item, bool) or not isinstance(item, int if whole else (int, float)):
        return f"{'a whole number of days' if whole else 'a number'} (fact {fact})", show(item)
    low, high = UNIT_RANGES.get(spec.unit, (float("-inf"), float("inf")))
    if not low <= item <= high:
        return f"a number from {low:g} to {high:g} (unit {spec.unit})", show(item)
    return None


def compare_fault(fact: str, op: str, value: Any) -> Fault | None:
    """A fact test whose operator or value does not fit the fact's kind."""
    kind = FACTS[fact].kind
    if kind == "bool":
        if op not in _EQUALITY:
            return ("op",), f'"==" or "!=" (fact {fact} is true or false)', show(op)
        if not isinstance(value, bool):
            return ("value",), f"true or false (fact {fact})", show(value)
        return None
    if op == "in":
        if not isinstance(value, list) or not value:
            return ("value",), 'a non-empty list [...] (op "in")', show(value)
        for i, item in enumerate(value):
            found = _item_fault(fact, item)
            if found is not None:
                return ("value", i), *found
        return None
    if isinstance(value, list):
        return ("value",), f'a single value (only op "in" takes a list; op is "{op}")', show(value)
    if kind == "text" and op not in _EQUALITY:
        return ("op",), f'"==", "!=" or "in" (fact {fact} is text)', show(op)
    found = _item_fault(fact, value)
    return None if found is None else (("value",), *found)


def members(crit: CriterionTable) -> tuple[str, list[str]]:
    """(key, listed ids) of a combining test; ("", []) for a fact test."""
    for key in ("all_of", "any_of", "of"):
        listed = getattr(crit.test, key, None)
        if listed is not None:
            return key, listed
    return "", []


def _duplicates(policy: PolicyFile) -> Fault | None:
    seen: dict[str, int] = {}
    for i, crit in enumerate(policy.criterion):
        if crit.id in seen:
            expected = f"an id no other criterion has (criterion[{seen[crit.id]}] has it)"
            return ("criterion", i, "id"), expected, show(crit.id)
        seen[crit.id] = i
    return None


def _list_fault(listed: list[str], defined: set[str], at: Path) -> Fault | None:
    for k, name in enumerate(listed):
        if name not in defined:
            return (*at, k), "the id of a criterion defined in this file", show(name)
        if name in listed[:k]:
            return (*at, k), "each criterion listed once", f"{show(name)} a second time"
    return None


def _references(policy: PolicyFile) -> Fault | None:
    defined = {c.id for c in policy.criterion}
    for i, crit in enumerate(policy.criterion):
        key, listed = members(crit)
        found = _list_fault(listed, defined, ("criterion", i, "test", key))
        if found is not None:
            return found
    if policy.score is not None:
        return _list_fault(policy.score.of, defined, ("score", "of"))
    return None


def _cycles(policy: PolicyFile) -> Fault | None:
    children = {c.id: members(c)[1] for c in policy.criterion}
    done: set[str] = set()

    def loop_from(cid: str, trail: tuple[str, ...]) -> tuple[str, ...] | None:
        if cid in trail:
            return (*trail[trail.index(cid) :], cid)
        if cid in done:
            return None
        for child in children[cid]:
            found = loop_from(child, (*trail, cid))
            if found is not None:
                return found
        done.add(cid)
        return None

    for i, crit in enumerate(policy.criterion):
        loop = loop_from(crit.id, ())
        if loop is not None:
            expected = "criteria that never refer back to themselves"
            return ("criterion", i, "test"), expected, "the cycle " + " -> ".join(loop)
    return None


def _users(policy: PolicyFile) -> dict[str, str]:
    """Who refers to each referenced criterion (the first one found)."""
    used: dict[str, str] = {}
    for crit in policy.criterion:
        for name in members(crit)[1]:
            used.setdefault(name, f'criterion "{crit.id}"')
    for name in policy.score.of if policy.score else ():
        used.setdefault(name, "score.of")
    return used


def _roles(policy: PolicyFile) -> Fault | None:
    used = _users(policy)
    scored = set(policy.score.of) if policy.score else set()
    roles = {c.id: c.role for c in policy.criterion}
    for k, name in enumerate(policy.score.of if policy.score else ()):
        if roles[name] != "score":
            return ("score", "of", k), 'a criterion with role "score"', f'role "{roles[name]}"'
    for i, crit in enumerate(policy.criterion):
        if crit.role in _ACTS_ONLY_AT_TOP and crit.id in used:
            expected = (
                f'a top-level criterion (role "{crit.role}" acts only when none refers to it)'
            )
            return ("criterion", i, "role"), expected, f'"{crit.id}" used by {used[crit.id]}'
        if crit.role == "score" and crit.id not in scored:
            expected = 'a criterion listed in score.of (role "score" counts toward the score)'
            return ("criterion", i, "role"), expected, f'"{crit.id}" not in score.of'
    return None


def _bands(policy: PolicyFile) -> Fault | None:
    if policy.score is None:
        return None
    items = len(policy.score.of)
    for j, band in enumerate(policy.score.band):
        if band.max > items:
            expected = f"at most {items} (the number of criteria in score.of)"
            return ("score", "band", j, "max"), expected, str(band.max)
    ordered = sorted(enumerate(policy.score.band), key=lambda jb: jb[1].min)
    for (_, low), (j, high) in zip(ordered, ordered[1:], strict=False):
        if high.min <= low.max:
            expected = f'a band clear of band "{low.label}" ({low.min} to {low.max})'
            return ("score", "band", j), expected, f"{high.min} to {high.max}"
    return None


def _decides(policy: PolicyFile) -> Fault | None:
    used = _users(policy)
    top = [c for c in policy.criterion if c.id not in used]
    if any(c.role == "require" for c in top):
        return None
    expected = f'at least one top-level criterion with role "require" ({_DECIDES[policy.kind]})'
    found = ", ".join(f'"{c.id}" ({c.role})' for c in top) or "none"
    return ("criterion",), expected, f"top-level criteria {found}"


CHECKS: tuple[Callable[[PolicyFile], Fault | None], ...] = (
    _duplicates,
    _references,
    _cycles,
    _roles,
    _bands,
    _decides,
)


def policy_fault(policy: PolicyFile) -> Fault | None:
    """The first fault across criteria, in the order of ``CHECKS``."""
    for check in CHECKS:
        found = check(policy)
        if found is not None:
            return found
    return None
