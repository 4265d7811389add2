"""The stable JSON form of an assessment (documented in docs/assessment-json.md)."""

from __future__ import annotations

from typing import Any

from kypho.rules.types import Assessment, CriterionResult, MissingFact, ProcedureWindow
from kypho.rules.words import decision_verdict

# 2: ``decision`` carries the verdict named for the policy's kind; ``policy_kind``,
# ``conflicts``, ``notes`` and the window's ``closed`` added; a window starts on or after
# ``assessed_on``.
JSON_FORMAT_VERSION = 2


def _missing(m: MissingFact) -> dict[str, Any]:
    return {"fact": m.fact, "document": m.document, "criterion": m.criterion_id, "level": m.level}


def _criterion(r: CriterionResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "text": r.text,
        "role": r.role.value,
        "outcome": r.outcome.value,
        "observed": r.observed,
        "threshold": r.threshold,
        "source": [str(c) for c in r.citations],
        "level": r.level,
        "children": [_criterion(c) for c in r.children],
    }


def _window(w: ProcedureWindow | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "earliest": w.earliest.isoformat(),
        "latest": w.latest.isoformat() if w.latest else None,
        "empty": w.empty,
        "closed": w.closed,
        "constraints": [
            {
                "criterion": c.criterion_id,
                "text": c.text,
                "earliest": c.earliest.isoformat() if c.earliest else None,
                "latest": c.latest.isoformat() if c.latest else None,
                "redo_after": c.redo_after,
            }
            for c in w.constraints
        ],
    }


def assessment_to_dict(a: Assessment) -> dict[str, Any]:
    """JSON-ready dict; ``criteria`` lists the procedure criteria, then each level's."""
    criteria = [_criterion(r) for r in a.criteria]
    criteria += [_criterion(r) for la in a.levels for r in la.criteria]
    return {
        "format_version": JSON_FORMAT_VERSION,
        "policy": a.policy_id,
        "policy_title": a.policy_title,
        "policy_version": a.policy_version,
        "assessed_on": a.on.isoformat(),
        "policy_kind": a.policy_kind.value,
        "decision": a.verdict,
        "recommendation": a.recommendation,
        "levels": [
            {"level": la.level, "decision": decision_verdict(a.policy_kind, la.decision)}
            for la in a.levels
        ],
        "criteria": criteria,
        "missing": [_missing(m) for m in a.missing],
        "procedure_window": _window(a.procedure_window),
        "warnings": list(a.warnings),
        "conflicts": list(a.conflicts),
        "notes": list(a.notes),
        "billing_codes": list(a.billing_codes),
        "score": a.score,
        "score_band": a.score_band,
        "disclaimer": a.disclaimer,
    }
