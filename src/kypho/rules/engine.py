"""Assess a case under a policy, as of a date: the decision and its whole explanation."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.rules import window
from kypho.rules.billing import kyphoplasty_codes
from kypho.rules.decide import best, decide
from kypho.rules.evaluate import CompiledPolicy, Evaluator, compile_policy
from kypho.rules.observation import FactContext, Observation, Scope
from kypho.rules.policy import Policy
from kypho.rules.types import (
    Assessment,
    CriterionResult,
    Decision,
    LevelAssessment,
    MissingFact,
    Outcome,
    Role,
    WindowConstraint,
)

NO_LEVELS = MissingFact(
    fact="fractures",
    document="the fractured level(s), each with its symptom onset date",
    criterion_id="levels",
)


def assess(case: Case, policy: Policy | CompiledPolicy, *, on: date) -> Assessment:
    """Decide candidacy for ``case`` under ``policy`` as of ``on``.

    ``policy`` may be compiled once beforehand (``compile_policy``) for a batch; a plain
    ``Policy`` is compiled for this call only. Raises ``InvalidInput`` if the case
    records a clinical event after ``on``.
    """
    case.check_not_after(on)
    compiled = compile_policy(policy)
    policy, nodes = compiled.policy, compiled.nodes
    patient_cache: dict[str, Observation] = {}
    patient = Evaluator(policy, FactContext.make(case, on, None), patient_cache, nodes=nodes)
    caches = [patient_cache]
    proc_ids = tuple(c for c in policy.top_level if policy.scopes[c] is Scope.PATIENT)
    level_ids = tuple(c for c in policy.top_level if policy.scopes[c] is Scope.LEVEL)
    proc_results = tuple(patient.result(c) for c in proc_ids)
    levels: list[LevelAssessment] = []
    spans = window.constraints(patient, proc_ids)
    level_spans: dict[str, list[WindowConstraint]] = {}
    if policy.needs_levels:
        for level in case.levels_under_review:
            ctx = FactContext(case, on, level, patient.ctx.derived)
            ev = Evaluator(policy, ctx, patient_cache, patient.results, nodes=nodes)
            caches.append(ev.cache)
            results = tuple(ev.result(c) for c in level_ids)
            levels.append(
                LevelAssessment(
                    level=level, decision=decide(proc_results + results), criteria=results
                )
            )
            level_spans[level] = window.constraints(ev, level_ids)
    decision = _overall(policy, proc_results, levels)
    chosen = [la.level for la in levels if la.decision is Decision.CANDIDATE] or [
        la.level for la in levels
    ]
    spans += [c for lv in chosen for c in level_spans.get(lv, [])]
    score, band = _score(policy, patient)
    conflicts, notes = _evidence(caches)
    return Assessment(
        policy_id=policy.id,
        policy_title=policy.title,
        policy_version=policy.version,
        on=on,
        decision=decision,
        criteria=proc_results,
        levels=tuple(levels),
        missing=_missing(policy, proc_results, levels),
        procedure_window=window.combine(spans, on=on),
        warnings=_warnings(proc_results, levels),
        billing_codes=kyphoplasty_codes(chosen) if policy.billing and levels else (),
        score=score,
        score_band=band,
        recommendation=policy.decision_text.get(decision.value),
        policy_kind=policy.kind,
        conflicts=conflicts,
        notes=notes,
    )


def _evidence(caches: list[dict[str, Observation]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Conflicts and chronology notes of every fact observed, each once, in order."""
    conflicts = [c for cache in caches for obs in cache.values() for c in obs.conflicts]
    notes = [n for cache in caches for obs in cache.values() for n in obs.notes]
    return tuple(dict.fromkeys(conflicts)), tuple(dict.fromkeys(notes))


def _overall(
    policy: Policy, proc: tuple[CriterionResult, ...], levels: list[LevelAssessment]
) -> Decision:
    if not policy.needs_levels:
        return decide(proc)
    if not levels:
        return min(decide(proc), Decision.NEEDS_INFORMATION, key=_worse_first)
    return best(la.decision for la in levels)


def _worse_first(decision: Decision) -> int:
    return 0 if decision is Decision.NOT_CANDIDATE else 1


def _blocking(r: CriterionResult) -> bool:
    return r.outcome is Outcome.UNKNOWN and r.role in (Role.REQUIRE, Role.EXCLUDE, Role.REVIEW)


def _missing(
    policy: Policy, proc: tuple[CriterionResult, ...], levels: list[LevelAssessment]
) -> tuple[MissingFact, ...]:
    found = [m for r in proc if _blocking(r) for m in r.missing]
    found += [m for la in levels for r in la.criteria if _blocking(r) for m in r.missing]
    if policy.needs_levels and not levels:
        found.append(NO_LEVELS)
    return tuple(dict.fromkeys(found))


def _warnings(proc: tuple[CriterionResult, ...], levels: list[LevelAssessment]) -> tuple[str, ...]:
    out = [r.text for r in proc if r.role is Role.WARN and r.outcome is Outcome.MET]
    out += [
        f"{la.level}: {r.text}"
        for la in levels
        for r in la.criteria
        if r.role is Role.WARN and r.outcome is Outcome.MET
    ]
    return tuple(out)


def _score(policy: Policy, patient: Evaluator) -> tuple[int | None, str | None]:
    """A triage score (count of items met) and its band; the band may be undetermined."""
    if not policy.score_of:
        return None, None
    outcomes = [patient.result(c).outcome for c in policy.score_of]
    low = outcomes.count(Outcome.MET)
    high = low + outcomes.count(Outcome.UNKNOWN)
    bands = {b.label for b in policy.bands if b.min_score <= low <= b.max_score}
    bands_high = {b.label for b in policy.bands if b.min_score <= high <= b.max_score}
    if bands == bands_high and len(bands) == 1:
        return low, bands.pop()
    return low, f"undetermined ({low} to {high} with unknown signs)"
