"""A policy's criteria as closures: each evaluates one criterion's outcome from bare facts.

Built once per policy by ``Compiler`` for ``kypho.rules.fast``. Kleene's logic is the
same as ``evaluate.kleene``, with early exits (``all_of`` stops at a part not met,
``any_of``/``at_least`` once enough parts are met). A fact that several criteria read
is kept in a memo (the patient's or the level's); one read once is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from kypho.domain.levels import Level
from kypho.rules.evaluate import _COMPARE, _ORDERING
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext, FactValue, Scope
from kypho.rules.policy import Combine, Compare, Policy
from kypho.rules.types import Outcome
from kypho.rules.values import Bounds, ValueOnly, value_only, value_reader

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
Memo = dict[str, object]
Eval = Callable[[FactContext, Memo, Memo], Outcome]
MissingKey = tuple[str, Level | None]
Collect = Callable[[FactContext, Memo, Memo, set[MissingKey]], None]
_UNSEEN = object()


def _leaf(test: Compare, fact_at_level: bool, *, shared: bool) -> Eval:
    """A comparison; its fact kept for the other criteria that read it (``shared``)."""
    plain = value_only(test.fact)
    if plain is None:  # a fact that may carry bounds, or one read by its full extractor
        return _bounded(test, fact_at_level)
    return _kept(test, plain, fact_at_level) if shared else _once(test, plain)


def _once(test: Compare, plain: ValueOnly) -> Eval:
    compare, threshold = _COMPARE[test.op], test.value

    def once(ctx: FactContext, _pm: Memo, _lm: Memo) -> Outcome:
        value = plain(ctx)
        if value is None:
            return UNKNOWN
        return MET if compare(value, threshold) else NOT_MET

    return once


def _kept(test: Compare, plain: ValueOnly, fact_at_level: bool) -> Eval:
    fact, compare, threshold = test.fact, _COMPARE[test.op], test.value

    def kept(ctx: FactContext, pm: Memo, lm: Memo) -> Outcome:
        memo = lm if fact_at_level else pm
        value = memo.get(fact, _UNSEEN)
        if value is _UNSEEN:
            value = memo[fact] = plain(ctx)
        if value is None:
            return UNKNOWN
        return MET if compare(value, threshold) else NOT_MET

    return kept


def _bounded(test: Compare, fact_at_level: bool) -> Eval:
    """As ``Evaluator._compare``: an ordering whose answer differs across the bounds is unknown."""
    fact, compare, threshold = test.fact, _COMPARE[test.op], test.value
    read, ordering = value_reader(fact), test.op in _ORDERING

    def bounded(ctx: FactContext, pm: Memo, lm: Memo) -> Outcome:
        memo = lm if fact_at_level else pm
        found = memo.get(fact, _UNSEEN)
        if found is _UNSEEN:
            found = memo[fact] = read(ctx)
        value, bounds = cast(tuple[FactValue, Bounds], found)
        if value is None:
            return UNKNOWN
        if (
            ordering
            and bounds is not None
            and compare(bounds[0], threshold) != compare(bounds[1], threshold)
        ):
            return UNKNOWN
        return MET if compare(value, threshold) else NOT_MET

    return bounded


def _combine(test: Combine, children: list[Eval]) -> Eval:
    if test.kind == "all_of":
        return _all_of(children)
    return _at_least(1 if test.kind == "any_of" else test.at_least, children)


def _all_of(children: list[Eval]) -> Eval:
    def all_of(ctx: FactContext, pm: Memo, lm: Memo) -> Outcome:
        unknown = False
        for child in children:
            o = child(ctx, pm, lm)
            if o is NOT_MET:
                return NOT_MET
            unknown = unknown or o is UNKNOWN
        return UNKNOWN if unknown else MET

    return all_of


def _at_least(need: int, children: list[Eval]) -> Eval:
    """Kleene's ``at_least``: met once ``need`` parts are; ``any_of`` is ``need`` 1."""

    def at_least(ctx: FactContext, pm: Memo, lm: Memo) -> Outcome:
        met = unknown = 0
        for child in children:
            o = child(ctx, pm, lm)
            if o is MET:
                met += 1
                if met >= need:
                    return MET
            elif o is UNKNOWN:
                unknown += 1
        if met >= need:
            return MET
        return UNKNOWN if met + unknown >= need else NOT_MET

    return at_least


class Compiler:
    """Closures for one policy's criteria (each compiled once) and their missing facts."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.evals: dict[str, Eval] = {}
        self.collects: dict[str, Collect] = {}
        reads = [c.test.fact for c in policy.criteria if isinstance(c.test, Compare)]
        self.shared = {fact for fact in reads if reads.count(fact) > 1}

    def eval(self, cid: str) -> Eval:
        if cid not in self.evals:
            test = self.policy.by_id[cid].test
            if isinstance(test, Compare):
                at_level = FACTS[test.fact].scope is Scope.LEVEL
                self.evals[cid] = _leaf(test, at_level, shared=test.fact in self.shared)
            else:
                self.evals[cid] = _combine(test, [self.eval(c) for c in test.of])
        return self.evals[cid]

    def collect(self, cid: str) -> Collect:
        """Adds the missing facts of ``cid`` (evaluated unknown) as ``assess`` lists them."""
        if cid in self.collects:
            return self.collects[cid]
        test = self.policy.by_id[cid].test
        if isinstance(test, Compare):
            at_level = FACTS[test.fact].scope is Scope.LEVEL

            def leaf(ctx: FactContext, _pm: Memo, _lm: Memo, out: set[MissingKey]) -> None:
                out.add((cid, ctx.level if at_level else None))

            self.collects[cid] = leaf
            return leaf
        parts = [(self.eval(c), self.collect(c)) for c in test.of]

        def combine(ctx: FactContext, pm: Memo, lm: Memo, out: set[MissingKey]) -> None:
            for evaluate, gather in parts:
                if evaluate(ctx, pm, lm) is UNKNOWN:
                    gather(ctx, pm, lm, out)

        self.collects[cid] = combine
        return combine


# Facts read from the imaging studies cost a scan of them: tested after the cheap ones.
_IMAGING = frozenset(
    f
    for f in FACTS
    if "imaging" in f or "height" in f or f in ("kyphotic_deformity", "retropulsion")
)


def cost(policy: Policy, cid: str) -> int:
    test = policy.by_id[cid].test
    if isinstance(test, Combine):
        return 1 + sum(cost(policy, c) for c in test.of)
    return 3 if test.fact in _IMAGING else (1 if value_only(test.fact) else 5)
