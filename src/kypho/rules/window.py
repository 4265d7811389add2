"""The procedure window: the dates on which every time-based requirement holds.

A "days since" fact has an anchor date, so a threshold on it is a bound on the
procedure date: ``fracture_age_days <= 84`` means "on or before onset + 84 days".
Only requirements that must hold on their own (top-level, or inside ``all_of``) bound
the window; an ``any_of`` branch does not.
"""

from __future__ import annotations

from datetime import date, timedelta

from kypho.rules.evaluate import Evaluator
from kypho.rules.facts import FACTS
from kypho.rules.policy import Combine, Compare, Criterion
from kypho.rules.types import ProcedureWindow, Role, WindowConstraint


def _bounds(test: Compare, anchor: date) -> tuple[date | None, date | None]:
    value = int(test.value)
    shift = {
        "<=": (None, value),
        "<": (None, value - 1),
        ">=": (value, None),
        ">": (value + 1, None),
    }
    lo, hi = shift.get(test.op, (None, None))
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
    earliest, latest = _bounds(test, anchor)
    level = f"{ev.ctx.level}: " if ev.policy.scopes[crit.id] == "level" else ""
    redo = crit.redo or "reassess: this criterion no longer holds"
    out.append(
        WindowConstraint(
            criterion_id=crit.id,
            text=f"{level}{crit.text}",
            earliest=earliest,
            latest=latest,
            redo_after=redo,
        )
    )


def constraints(ev: Evaluator, top_level: tuple[str, ...]) -> list[WindowConstraint]:
    out: list[WindowConstraint] = []
    for cid in top_level:
        crit = ev.policy.criterion(cid)
        if crit.role is Role.REQUIRE:
            _walk(ev, crit, out)
    return out


def combine(found: list[WindowConstraint]) -> ProcedureWindow | None:
    if not found:
        return None
    unique = tuple(dict.fromkeys(found))
    lows = [c.earliest for c in unique if c.earliest is not None]
    highs = [c.latest for c in unique if c.latest is not None]
    return ProcedureWindow(
        earliest=max(lows) if lows else None,
        latest=min(highs) if highs else None,
        constraints=unique,
    )
