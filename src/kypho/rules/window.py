"""The procedure window: the dates on which every time-based requirement holds.

A "days since" fact has an anchor date, so a threshold on it is a bound on the
procedure date: ``fracture_age_days <= 84`` means "on or before onset + 84 days",
``nsm_duration_days >= 14`` means "on or after the start + 14 days". Only requirements
that must hold on their own (top-level, or inside ``all_of``) bound the window; an
``any_of`` branch does not. Every window also starts no earlier than the assessment
date: a procedure cannot be in the past.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from kypho.rules.evaluate import Evaluator
from kypho.rules.facts import FACTS
from kypho.rules.observation import Scope
from kypho.rules.policy import Combine, Compare, Criterion
from kypho.rules.types import ProcedureWindow, Role, WindowConstraint

NO_REDO = "the criterion cannot hold again by waiting: reassess the case"


def day_bounds(op: str, value: float) -> tuple[int | None, int | None]:
    """The whole numbers of days (lowest, highest) for which ``days <op> value`` holds.

    Days are whole, so a fractional threshold rounds inwards.

    >>> day_bounds(">=", 14), day_bounds(">", 14), day_bounds("<=", 84), day_bounds("<", 84)
    ((14, None), (15, None), (None, 84), (None, 83))
    >>> day_bounds(">=", 13.5), day_bounds("<=", 30.5), day_bounds("==", 7), day_bounds("!=", 7)
    ((14, None), (None, 30), (7, 7), (None, None))
    """
    if op == ">=":
        return math.ceil(value), None
    if op == ">":
        return math.floor(value) + 1, None
    if op == "<=":
        return None, math.floor(value)
    if op == "<":
        return None, math.ceil(value) - 1
    if op == "==" and float(value).is_integer():
        return int(value), int(value)
    return None, None


def _dates(test: Compare, anchor: date) -> tuple[date | None, date | None]:
    if isinstance(test.value, bool) or not isinstance(test.value, int | float):
        return None, None
    lo, hi = day_bounds(test.op, test.value)
    earliest = None if lo is None else anchor + timedelta(days=lo)
    latest = None if hi is None else anchor + timedelta(days=hi)
    return earliest, latest


def _walk(ev: Evaluator, crit: Criterion, out: list[WindowConstraint]) -> None:
    test = crit.test
    if isinstance(test, Combine):
        if test.kind == "all_of":
            for child in test.of:
                _walk(ev, ev.policy.criterion(child), out)
        return
    if FACTS[test.fact].kind != "days":
        return
    anchor = ev.observe(test.fact).anchor
    if anchor is None:
        return
    earliest, latest = _dates(test, anchor)
    if earliest is None and latest is None:
        return
    level = f"{ev.ctx.level}: " if ev.policy.scopes[crit.id] is Scope.LEVEL else ""
    out.append(
        WindowConstraint(
            criterion_id=crit.id,
            text=f"{level}{crit.text}",
            earliest=earliest,
            latest=latest,
            redo_after=crit.redo or NO_REDO,
        )
    )


def constraints(ev: Evaluator, top_level: tuple[str, ...]) -> list[WindowConstraint]:
    out: list[WindowConstraint] = []
    for cid in top_level:
        crit = ev.policy.criterion(cid)
        if crit.role is Role.REQUIRE:
            _walk(ev, crit, out)
    return out


def combine(found: list[WindowConstraint], *, on: date) -> ProcedureWindow | None:
    """The window every constraint allows, from ``on`` at the earliest; None if none dated."""
    if not found:
        return None
    unique = tuple(dict.fromkeys(found))
    lows = [c.earliest for c in unique if c.earliest is not None]
    highs = [c.latest for c in unique if c.latest is not None]
    return ProcedureWindow(
        on=on,
        earliest=max([on, *lows]),
        latest=min(highs) if highs else None,
        constraints=unique,
    )
