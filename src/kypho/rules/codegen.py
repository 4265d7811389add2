"""A policy's decision written as the source of one flat Python function, compiled once.

``generate(policy)`` writes two functions of ``(case, on)`` for ``kypho.rules.fast``:
``decide`` gives the ``Verdict`` (decision and per-level decisions) and stops at the
first refusal; ``count`` evaluates every decisive criterion and also counts the missing
facts, as ``assess`` lists them. In them each criterion is a few lines of inlined
three-valued logic on small ints (0 not met, 1 unknown, 2 met: Kleene's ``all_of`` is
the least of its parts, ``any_of`` the greatest, each stopping as soon as it is
settled), each fact is an expression on plain locals (``kypho.rules.codegen_facts``),
kept in a local when several criteria read it, and the cheapest criteria come first.

The source is built from the policy's own data (criterion ids and thresholds are
passed as bound constants, never written into the text), compiled with ``compile`` and
run once per policy; ``FastPolicy`` keeps the functions with its policy. A policy
whose source cannot be compiled (nesting too deep for Python) gives None, and
``FastPolicy`` keeps to its closures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from kypho.domain.case import Case
from kypho.domain.levels import Level
from kypho.rules.closures import cost
from kypho.rules.codegen_facts import HELPERS, NAMES, read_of
from kypho.rules.evaluate import _ORDERING
from kypho.rules.facts import FACTS
from kypho.rules.observation import Scope
from kypho.rules.policy import Combine, Compare, Policy
from kypho.rules.types import Decision, Role
from kypho.rules.values import levels_under_review

if TYPE_CHECKING:
    from kypho.rules.fast import Verdict

Decide = Callable[[Case, date], "Verdict"]
_DECISIVE = (Role.REQUIRE, Role.EXCLUDE, Role.REVIEW)
# Per level, as ranks (best first, ``decide.RANK``): clear, unsure, review, refused.
RANKED = (
    Decision.CANDIDATE,
    Decision.NEEDS_INFORMATION,
    Decision.NEEDS_REVIEW,
    Decision.NOT_CANDIDATE,
)
# As severities (``fast._SEVERITY``, worst last), with each severity's rank.
BY_SEVERITY = (RANKED[0], RANKED[2], RANKED[1], RANKED[3])
RANK_OF_SEVERITY = (0, 2, 1, 3)


class Tree(NamedTuple):
    """Where one evaluated criterion's outcome is kept, for gathering its missing facts."""

    cid: str
    var: str
    leaf: bool
    parts: tuple[Tree, ...] = ()


class Generated(NamedTuple):
    decide: Decide
    counting: Decide
    source: str


@dataclass
class _Writer:
    """The source being written: lines, fresh local names, bound constants."""

    policy: Policy
    names: dict[str, object] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # helper and kept-fact locals read
    fact_vars: dict[str, str] = field(default_factory=dict)
    marks: list[tuple[int, int, bool]] = field(default_factory=list)
    n: int = 0

    def __post_init__(self) -> None:
        self.names.update(NAMES)
        reads = [c.test.fact for c in self.policy.criteria if isinstance(c.test, Compare)]
        self.shared = {fact for fact in reads if reads.count(fact) > 1}

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def const(self, value: object, *, member_of: bool = False) -> str:
        """A bound name for ``value``; the allowed values of ``in`` become a frozenset."""
        name = self.fresh("_k")
        if member_of and isinstance(value, tuple) and all(isinstance(x, str | int) for x in value):
            value = frozenset(value)  # the same membership for these values, hashed
        self.names[name] = value
        return name

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def helper(self, name: str, depth: int) -> None:
        spec = HELPERS[name]
        for need in spec.needs:
            self.helper(need, depth)
        self.used.add(name)
        self.emit(depth, f"if {name} is _U: {name} = {spec.expr}")

    def fact_var(self, fact: str) -> str:
        if fact not in self.fact_vars:
            self.fact_vars[fact] = self.fresh("f")
        self.used.add(self.fact_vars[fact])
        return self.fact_vars[fact]

    def mark(self, depth: int, *, level: bool) -> None:
        """Where the locals of one scope are set to unseen (once the function is written)."""
        self.marks.append((len(self.lines), depth, level))

    def fill_resets(self) -> None:
        """At each mark, set to unseen the locals of its scope that the function reads."""
        for at, depth, level in reversed(self.marks):
            mine = [n for n in sorted(self.used) if self._is_level(n) is level]
            if mine:
                self.lines.insert(at, "    " * depth + " = ".join(mine) + " = _U")
        self.marks, self.used = [], set()

    def _is_level(self, local: str) -> bool:
        if local in HELPERS:
            return HELPERS[local].level
        fact = next(f for f, name in self.fact_vars.items() if name == local)
        return FACTS[fact].scope is Scope.LEVEL


def _leaf(w: _Writer, test: Compare, var: str, depth: int) -> None:
    read = read_of(test.fact, w.names)
    for need in read.needs:
        w.helper(need, depth)
    k, op, value = w.const(test.value, member_of=test.op == "in"), test.op, read.expr
    if test.fact in w.shared:
        kept = w.fact_var(test.fact)
        w.emit(depth, f"if {kept} is _U: {kept} = {read.expr}")
        value = kept
    x = w.fresh("x")
    if not read.bounded:
        w.emit(depth, f"{var} = 1 if ({x} := {value}) is None else (2 if {x} {op} {k} else 0)")
        return
    b = w.fresh("b")
    w.emit(depth, f"{x}, {b} = {value}")
    straddles = f" or ({b} is not None and ({b}[0] {op} {k}) != ({b}[1] {op} {k}))"
    unknown = f"{x} is None" + (straddles if op in _ORDERING else "")
    w.emit(depth, f"{var} = 1 if {unknown} else (2 if {x} {op} {k} else 0)")


def node(w: _Writer, cid: str, var: str, depth: int) -> Tree:
    """Lines leaving criterion ``cid``'s outcome (0, 1, 2) in ``var``."""
    test = w.policy.by_id[cid].test
    if isinstance(test, Compare):
        _leaf(w, test, var, depth)
        return Tree(cid, var, leaf=True)
    if test.kind == "at_least":
        return _at_least(w, cid, test, var, depth)
    empty, go_on, better = ("2", "", "<") if test.kind == "all_of" else ("0", " != 2", ">")
    if not test.of:
        w.emit(depth, f"{var} = {empty}")
        return Tree(cid, var, leaf=False)
    parts = []
    for i, child in enumerate(test.of):
        part = w.fresh("o")
        parts.append(node(w, child, part, depth))
        w.emit(depth, f"{var} = {part}" if i == 0 else f"if {part} {better} {var}: {var} = {part}")
        if i + 1 < len(test.of):  # the next part only while this one is not settled
            w.emit(depth, f"if {var}{go_on}:")
            depth += 1
    return Tree(cid, var, leaf=False, parts=tuple(parts))


def _at_least(w: _Writer, cid: str, test: Combine, var: str, depth: int) -> Tree:
    met, unknown, need = w.fresh("m"), w.fresh("u"), test.at_least
    w.emit(depth, f"{met} = {unknown} = 0")
    parts, inner = [], depth
    for i, child in enumerate(test.of):
        if i:
            w.emit(inner, f"if {met} < {need}:")
            inner += 1
        part = w.fresh("o")
        parts.append(node(w, child, part, inner))
        w.emit(inner, f"if {part} == 2: {met} += 1")
        w.emit(inner, f"elif {part} == 1: {unknown} += 1")
    w.emit(depth, f"{var} = 2 if {met} >= {need} else (1 if {met} + {unknown} >= {need} else 0)")
    return Tree(cid, var, leaf=False, parts=tuple(parts))


def gather(w: _Writer, tree: Tree, depth: int) -> None:
    """Lines adding the missing facts of ``tree``, known to be unknown, as ``assess`` lists them."""
    if tree.leaf:
        test = w.policy.by_id[tree.cid].test
        assert isinstance(test, Compare)
        at = "level" if FACTS[test.fact].scope is Scope.LEVEL else "None"
        w.emit(depth, f"miss.add(({w.const(tree.cid)}, {at}))")
        return
    for part in tree.parts:
        w.emit(depth, f"if {part.var} == 1:")
        gather(w, part, depth + 1)


def decisive(policy: Policy, scope: Scope | None, roles: tuple[Role, ...]) -> list[str]:
    """Top-level criteria of these roles (and scope, if given), cheapest first."""
    found = [
        cid
        for cid in policy.top_level
        if policy.by_id[cid].role in roles and (scope is None or policy.scopes[cid] is scope)
    ]
    return sorted(found, key=lambda cid: cost(policy, cid))


def _gates(w: _Writer, cids: list[str], depth: int, *, refuse: str, unsure: str) -> None:
    """Each requirement or exclusion; ``refuse`` runs at one that refuses."""
    for cid in cids:
        o = w.fresh("o")
        node(w, cid, o, depth)
        refusing = "0" if w.policy.by_id[cid].role is Role.REQUIRE else "2"
        w.emit(depth, f"if {o} == {refusing}: {refuse}")
        w.emit(depth, f"if {o} == 1: {unsure}")


def _reviews(w: _Writer, cids: list[str], depth: int, *, unsure: str, met: str) -> None:
    for cid in cids:
        o = w.fresh("o")
        node(w, cid, o, depth)
        w.emit(depth, f"if {o} == 1: {unsure}")
        w.emit(depth, f"if {o} == 2: {met}")


_GATES, _REVIEW = (Role.REQUIRE, Role.EXCLUDE), (Role.REVIEW,)


def _decide_patient(w: _Writer) -> None:
    """``decide`` for a policy without levels: every criterion is the patient's."""
    w.emit(0, "def decide(case, on):")
    w.mark(1, level=False)
    w.emit(1, "unsure = 0")
    gates = decisive(w.policy, None, _GATES)
    _gates(w, gates, 1, refuse="return _V_REFUSED", unsure="unsure = 1")
    w.emit(1, "if unsure: return _V_UNSURE")
    w.emit(1, "review = 0")
    reviews = decisive(w.policy, None, _REVIEW)
    _reviews(w, reviews, 1, unsure="return _V_UNSURE", met="review = 1")
    w.emit(1, "return _V_REVIEW if review else _V_CLEAR")


def _decide_levels(w: _Writer) -> None:
    """``decide`` level by level: patient gates once, then each level's gates and reviews."""
    p, patient, at_level = w.policy, Scope.PATIENT, Scope.LEVEL
    w.emit(0, "def decide(case, on):")
    w.mark(1, level=False)
    w.emit(1, "unsure = 0")
    _gates(w, decisive(p, patient, _GATES), 1, refuse="return _refused(case)", unsure="unsure = 1")
    w.emit(1, "levels = _levels_under_review(case)")
    w.emit(1, "if not levels: return _V_UNSURE")
    w.emit(1, "out = []; best = 3; pr = _U")
    w.emit(1, "for level in levels:")
    w.mark(2, level=True)
    w.emit(2, "found = unsure")
    w.emit(2, "while True:")
    _gates(w, decisive(p, at_level, _GATES), 3, refuse="found = 3; break", unsure="found = 1")
    w.emit(3, "if found: break")
    w.emit(3, "if pr is _U:")  # the patient's reviews, once, for the first clear level
    w.emit(4, "pr = 0")
    w.emit(4, "while True:")
    _reviews(w, decisive(p, patient, _REVIEW), 5, unsure="pr = 1; break", met="pr = 2")
    w.emit(5, "break")
    w.emit(3, "found = pr")
    w.emit(3, "if found == 1: break")
    _reviews(w, decisive(p, at_level, _REVIEW), 3, unsure="found = 1; break", met="found = 2")
    w.emit(3, "break")
    w.emit(2, "out.append((level, _RANKED[found]))")
    w.emit(2, "if found < best: best = found")
    w.emit(1, "return _tn(_V, (_RANKED[best], tuple(out), None))")


def _settle(w: _Writer, cids: list[str], depth: int) -> None:
    """Every criterion evaluated, missing facts gathered; leaves the severity in ``sev``."""
    w.emit(depth, "ref = unk = rev = 0")
    for cid in cids:
        o = w.fresh("o")
        tree = node(w, cid, o, depth)
        role = w.policy.by_id[cid].role
        if role is Role.REVIEW:
            w.emit(depth, f"if {o} == 2: rev = 1")
        else:
            w.emit(depth, f"if {o} == {'0' if role is Role.REQUIRE else '2'}: ref = 1")
        w.emit(depth, f"if {o} == 1:")
        w.emit(depth + 1, "unk = 1")
        gather(w, tree, depth + 1)
    w.emit(depth, "sev = 3 if ref else (2 if unk else (1 if rev else 0))")


def _count(w: _Writer) -> None:
    """``count``: as ``fast.FastPolicy._counting``, with ``len(missing)``."""
    p, levels = w.policy, w.policy.needs_levels
    w.emit(0, "def count(case, on):")
    w.mark(1, level=False)
    w.emit(1, "miss = set()")
    _settle(w, decisive(p, Scope.PATIENT if levels else None, _DECISIVE), 1)
    if not levels:
        w.emit(1, "return _tn(_V, (_BY_SEVERITY[sev], (), len(miss)))")
        return
    w.emit(1, "psev = sev")
    w.emit(1, "levels = _levels_under_review(case)")
    w.emit(1, "if not levels:")
    w.emit(2, "miss.add(_NO_LEVELS)")
    w.emit(2, "return _tn(_V, (_RANKED[3 if psev == 3 else 1], (), len(miss)))")
    w.emit(1, "out = []; best = 3")
    w.emit(1, "for level in levels:")
    w.mark(2, level=True)
    _settle(w, decisive(p, Scope.LEVEL, _DECISIVE), 2)
    w.emit(2, "if psev > sev: sev = psev")
    w.emit(2, "out.append((level, _BY_SEVERITY[sev]))")
    w.emit(2, "if _RANK_OF_SEVERITY[sev] < best: best = _RANK_OF_SEVERITY[sev]")
    w.emit(1, "return _tn(_V, (_RANKED[best], tuple(out), len(miss)))")


def _bound(verdict: type[Verdict]) -> dict[str, object]:
    """The names the generated functions read besides the policy's constants."""

    def refused(case: Case) -> Verdict:
        no = Decision.NOT_CANDIDATE
        return verdict(no, tuple([(lv, no) for lv in levels_under_review(case)]))

    return {
        "_U": _UNSEEN,
        "_tn": tuple.__new__,
        "_V": verdict,
        "_RANKED": RANKED,
        "_BY_SEVERITY": BY_SEVERITY,
        "_RANK_OF_SEVERITY": RANK_OF_SEVERITY,
        "_NO_LEVELS": ("levels (no fracture recorded)", None),
        "_refused": refused,
        **{f"_V_{name}": verdict(d, ()) for name, d in zip(_CODES, RANKED, strict=True)},
    }


_CODES = ("CLEAR", "UNSURE", "REVIEW", "REFUSED")
_UNSEEN = object()


def fact_reader(fact: str) -> Callable[[Case, date, Level | None], tuple[object, object]]:
    """``(value, bounds)`` of ``fact`` read as generated code reads it (for the tests)."""
    names: dict[str, object] = {**NAMES, "_U": _UNSEEN}
    read = read_of(fact, names)
    lines = ["def read(case, on, level):", "    " + " = ".join(HELPERS) + " = _U"]

    def need(name: str) -> None:
        for inner in HELPERS[name].needs:
            need(inner)
        lines.append(f"    if {name} is _U: {name} = {HELPERS[name].expr}")

    for name in read.needs:
        need(name)
    lines.append(f"    return {read.expr}" if read.bounded else f"    return ({read.expr}), None")
    exec(compile("\n".join(lines), f"<kypho fact {fact}>", "exec"), names)  # noqa: S102
    return names["read"]  # type: ignore[return-value]


def generate(policy: Policy) -> Generated | None:
    """The policy's ``decide`` and ``count``, compiled; None if Python cannot compile them."""
    from kypho.rules.fast import Verdict

    w = _Writer(policy)
    (_decide_levels if policy.needs_levels else _decide_patient)(w)
    w.fill_resets()
    _count(w)
    w.fill_resets()
    source = "\n".join(w.lines) + "\n"
    names = {**w.names, **_bound(Verdict)}
    try:
        code = compile(source, f"<kypho policy {policy.id}>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # nesting too deep for Python
        return None
    exec(code, names)  # noqa: S102 (our own source, from the policy's validated data)
    return Generated(names["decide"], names["count"], source)  # type: ignore[arg-type]
