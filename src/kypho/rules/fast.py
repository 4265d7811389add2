"""Decisions without explanations: a policy compiled once into generated code (or closures).

``FastPolicy.decide`` gives what ``assess`` gives as ``decision`` and per-level
decisions (and, when asked, ``len(missing)``), building no text at all: facts are read
as bare values (``kypho.rules.values``), only the criteria that can change a decision
(require, exclude, review) are evaluated, and evaluation stops as soon as the decision
is settled (a requirement not met or an exclusion met). Kleene's logic is the same as
``evaluate.kleene``; the differential tests (``tests/rules/test_fast_differential.py``,
``test_fast_codegen.py``) hold both forms to ``assess`` for every bundled policy.

Two forms are built once per policy: the policy written as one flat generated
function (``kypho.rules.codegen``: inlined Kleene logic, facts read into locals), which
``decide`` uses, and closures (one per criterion, ``kypho.rules.closures``), kept as
``decide_closures`` for a policy Python cannot compile as one function and as a second
implementation the differential tests compare.

For a population: compile once (``compile_policy``), then call ``decide`` per case.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from kypho.domain.case import Case
from kypho.domain.levels import Level
from kypho.rules.closures import (
    MET,
    NOT_MET,
    UNKNOWN,
    Collect,
    Compiler,
    Eval,
    Memo,
    MissingKey,
    cost,
)
from kypho.rules.codegen import Generated, generate
from kypho.rules.decide import best
from kypho.rules.evaluate import CompiledPolicy, compile_policy
from kypho.rules.events import has_event_after
from kypho.rules.observation import FactContext, Scope
from kypho.rules.policy import Policy
from kypho.rules.types import Decision, Outcome, Role

_DECISIVE = (Role.REQUIRE, Role.EXCLUDE, Role.REVIEW)
_NO_LEVELS: MissingKey = ("levels (no fracture recorded)", None)


class Verdict(NamedTuple):
    """A decision and the decision per level reviewed, in the order ``assess`` gives them.

    ``missing_count`` is ``len(Assessment.missing)`` when asked for (``count_missing``),
    else None. A named tuple: immutable, and cheap to build for every case of a batch.
    """

    decision: Decision
    levels: tuple[tuple[Level, Decision], ...]
    missing_count: int | None = None


Top = tuple[tuple[Role, Eval, Collect], ...]
Tests = tuple[Eval, ...]
CLEAR, UNSURE, REFUSED, REVIEW = 0, 1, 2, 3
# One test of a pass: (patient scope?, a requirement? (else an exclusion or review), closure)
Pass = tuple[tuple[bool, bool, Eval], ...]


class FastPolicy:
    """One policy's decision as generated code and as closures, built once
    (``CompiledPolicy.decisions`` builds it and keeps it with its policy).

    Order does not change a decision, so the criteria are tested cheapest first, and in
    two passes: requirements and exclusions (any one can refuse), then, only while no
    fact is unknown, the relative contraindications (review). A patient criterion is
    tested once per case, whichever level needs it first.
    """

    __slots__ = ("needs_levels", "patient", "level", "gates", "reviews", "generated")

    def __init__(self, policy: Policy) -> None:
        c = Compiler(policy)
        decisive = [cid for cid in policy.top_level if policy.by_id[cid].role in _DECISIVE]
        decisive.sort(key=lambda cid: cost(policy, cid))
        top = [(cid, (policy.by_id[cid].role, c.eval(cid), c.collect(cid))) for cid in decisive]
        self.needs_levels = policy.needs_levels
        self.patient: Top = tuple(t for cid, t in top if policy.scopes[cid] is Scope.PATIENT)
        self.level: Top = tuple(t for cid, t in top if policy.scopes[cid] is Scope.LEVEL)
        at_patient = {cid: policy.scopes[cid] is Scope.PATIENT for cid in decisive}
        if not self.needs_levels:  # no level: every criterion is the patient's
            at_patient = dict.fromkeys(decisive, True)
        self.gates: Pass = tuple(
            (at_patient[cid], role is Role.REQUIRE, e)
            for cid, (role, e, _) in top
            if role is not Role.REVIEW
        )
        self.reviews: Pass = tuple(
            (at_patient[cid], False, e) for cid, (role, e, _) in top if role is Role.REVIEW
        )
        self.generated: Generated | None = generate(policy)

    def decide(self, case: Case, *, on: date, count_missing: bool = False) -> Verdict:
        """The decision ``assess(case, policy, on=on)`` would give, without explaining it.

        Raises ``InvalidInput`` (as ``assess`` does) if the case records an event after ``on``.
        """
        if has_event_after(case, on):
            case.check_not_after(on)
        generated = self.generated
        if generated is None:
            return self._counting(case, on) if count_missing else self._closures(case, on)
        return generated.counting(case, on) if count_missing else generated.decide(case, on)

    def decide_closures(self, case: Case, *, on: date, count_missing: bool = False) -> Verdict:
        """``decide`` by the closures alone (the form before generated code)."""
        if has_event_after(case, on):
            case.check_not_after(on)
        return self._counting(case, on) if count_missing else self._closures(case, on)

    def _closures(self, case: Case, on: date) -> Verdict:
        ctx = FactContext(case, on, None, {})
        pm: Memo = {}
        seen: dict[Eval, Outcome] = {}  # patient criteria, once per case
        if not self.needs_levels:
            found = _gate(self.gates, ctx, ctx, pm, pm, seen)
            if found == CLEAR:
                found = _review(self.reviews, ctx, ctx, pm, pm, seen)
            return Verdict(_DECISION[found], ())
        levels = case.levels_under_review
        if not levels:
            found = _gate(tuple(g for g in self.gates if g[0]), ctx, ctx, pm, pm, seen)
            decision = Decision.NOT_CANDIDATE if found == REFUSED else _NEEDS_INFO
            return Verdict(decision, ())
        per_level = []
        for level in levels:
            lctx = FactContext(case, on, level, {})
            lm: Memo = {}
            found = _gate(self.gates, ctx, lctx, pm, lm, seen)
            if found == CLEAR:
                found = _review(self.reviews, ctx, lctx, pm, lm, seen)
            per_level.append((level, _DECISION[found]))
        overall = per_level[0][1] if len(per_level) == 1 else best(d for _, d in per_level)
        return Verdict(overall, tuple(per_level))

    def _counting(self, case: Case, on: date) -> Verdict:
        """Every decisive criterion, none skipped, with the missing facts ``assess`` lists."""
        ctx = FactContext(case, on, None, {})
        pm: Memo = {}
        missing: set[MissingKey] = set()
        proc = _settle(self.patient, ctx, pm, pm, missing)
        if not self.needs_levels:
            return Verdict(proc, (), len(missing))
        levels = case.levels_under_review
        if not levels:
            missing.add(_NO_LEVELS)
            decision = Decision.NOT_CANDIDATE if proc is Decision.NOT_CANDIDATE else _NEEDS_INFO
            return Verdict(decision, (), len(missing))
        per_level = []
        for level in levels:
            lctx = FactContext(case, on, level, {})
            per_level.append((level, _worst(proc, _settle(self.level, lctx, pm, {}, missing))))
        return Verdict(best(d for _, d in per_level), tuple(per_level), len(missing))


def _outcome(
    test: tuple[bool, bool, Eval],
    ctx: FactContext,
    lctx: FactContext,
    pm: Memo,
    lm: Memo,
    seen: dict[Eval, Outcome],
) -> Outcome:
    at_patient, _, evaluate = test
    if not at_patient:
        return evaluate(lctx, pm, lm)
    found = seen.get(evaluate)
    if found is None:
        found = seen[evaluate] = evaluate(ctx, pm, pm)
    return found


def _gate(
    gates: Pass,
    ctx: FactContext,
    lctx: FactContext,
    pm: Memo,
    lm: Memo,
    seen: dict[Eval, Outcome],
) -> int:
    """REFUSED at the first requirement not met or exclusion met; else UNSURE or CLEAR."""
    unsure = CLEAR
    for at_patient, require, evaluate in gates:
        if not at_patient:
            o = evaluate(lctx, pm, lm)
        else:  # the outcome of ``_outcome``, inlined: this loop runs for every case
            o = seen.get(evaluate)  # type: ignore[assignment]
            if o is None:
                o = seen[evaluate] = evaluate(ctx, pm, pm)
        if o is UNKNOWN:
            unsure = UNSURE
        elif (o is NOT_MET) if require else (o is MET):
            return REFUSED
    return unsure


def _review(
    reviews: Pass,
    ctx: FactContext,
    lctx: FactContext,
    pm: Memo,
    lm: Memo,
    seen: dict[Eval, Outcome],
) -> int:
    """UNSURE at the first unknown (it outranks review); else REVIEW if one is met, or CLEAR."""
    found = CLEAR
    for test in reviews:
        o = _outcome(test, ctx, lctx, pm, lm, seen)
        if o is UNKNOWN:
            return UNSURE
        if o is MET:
            found = REVIEW
    return found


_NEEDS_INFO = Decision.NEEDS_INFORMATION
_DECISION = {
    CLEAR: Decision.CANDIDATE,
    UNSURE: _NEEDS_INFO,
    REFUSED: Decision.NOT_CANDIDATE,
    REVIEW: Decision.NEEDS_REVIEW,
}
_SEVERITY = {
    Decision.CANDIDATE: 0,
    Decision.NEEDS_REVIEW: 1,
    Decision.NEEDS_INFORMATION: 2,
    Decision.NOT_CANDIDATE: 3,
}


def _worst(a: Decision, b: Decision) -> Decision:
    """``decide`` over two groups of results, from each group's own ``decide``."""
    return a if _SEVERITY[a] >= _SEVERITY[b] else b


def _settle(top: Top, ctx: FactContext, pm: Memo, lm: Memo, missing: set[MissingKey]) -> Decision:
    """``decide`` over these criteria, every one evaluated, gathering missing facts."""
    unknown = review = refused = False
    for role, evaluate, gather in top:
        o = evaluate(ctx, pm, lm)
        if o is UNKNOWN:
            unknown = True
            gather(ctx, pm, lm, missing)
        elif (o is NOT_MET) if role is Role.REQUIRE else (o is MET and role is Role.EXCLUDE):
            refused = True
        elif o is MET and role is Role.REVIEW:
            review = True
    if refused:
        return Decision.NOT_CANDIDATE
    if unknown:
        return _NEEDS_INFO
    return Decision.NEEDS_REVIEW if review else Decision.CANDIDATE


def decide_case(
    case: Case, policy: Policy | CompiledPolicy, *, on: date, count_missing: bool = False
) -> Verdict:
    """The decision of ``assess(case, policy, on=on)`` without its explanation.

    Compile the policy once (``compile_policy``) for a batch; a plain ``Policy`` is
    compiled for this call only.
    """
    return compile_policy(policy).decisions().decide(case, on=on, count_missing=count_missing)
