"""The case page ``/cases/{pk}``: the patient at a glance, each policy's stored decision
with its criteria, the missing-documents checklist, the procedure window on a timeline,
the safety screen and the version history; ``POST /cases/{pk}/assess`` re-assesses.

Words come from ``kypho.rules`` (``words``, ``sources``): the page invents no text about a
criterion. Decisions shown are the stored ones (``kypho.store.assessments``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from kypho.errors import InvalidInput
from kypho.rules import CriterionResult, Outcome, Role
from kypho.rules.sources import source_text
from kypho.rules.words import AGAINST, VERDICT_WORDS, human, mark, threshold_words, word
from kypho.store.assessments import (
    assess_and_store,
    assessment_history,
    latest_assessments,
    missing_checklist,
    result_of,
)
from kypho.store.audit import Actor
from kypho.store.cases import StoredCase, case_history, get_case
from kypho.store.models import Assessment, User
from kypho.store.stage_table import case_stage
from kypho.web.deps import DbSession, Now, Policies
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]
_MARK_CLASS = {"[ok]": "ok", "[NO]": "no", "[??]": "unknown"}


def criterion_view(data: dict[str, Any]) -> dict[str, Any]:
    """One stored criterion (and its children) in the words of ``kypho.rules.words``."""
    result = CriterionResult(id=data["id"], text=data["text"], outcome=Outcome(data["outcome"]),
                             role=Role(data["role"]), observed=data["observed"],
                             threshold=data["threshold"], citations=())  # fmt: skip
    shown = mark(result)
    return {
        "text": human(result.text),
        "mark": shown,
        "mark_class": _MARK_CLASS[shown],
        "word": word(result),
        "observed": human(result.observed),
        "bar": "present when" if result.role in AGAINST else "threshold",
        "threshold": threshold_words(result.threshold),
        "sources": [source_text(s) for s in data["source"]],
        "level": data["level"],
        "children": [criterion_view(c) for c in data["children"]],
    }


def _window_words(window: dict[str, Any] | None) -> dict[str, Any] | None:
    if window is None:
        return None
    constraints = [{**c, "text": human(c["text"]), "redo_after": human(c["redo_after"])}
                   for c in window["constraints"]]  # fmt: skip
    return {**window, "constraints": constraints}


def decision_view(row: Assessment, current_version: int) -> dict[str, Any]:
    data = result_of(row)
    return {
        "policy": row.policy_id,
        "title": data["policy_title"],
        "policy_version": row.policy_version,
        "on": row.on_date.isoformat(),
        "case_version": row.case_version,
        "stale": row.case_version != current_version,
        "decision": row.decision,
        "words": VERDICT_WORDS.get(row.decision, human(row.decision)),
        "recommendation": data["recommendation"],
        "levels": [(la["level"], VERDICT_WORDS[la["decision"]]) for la in data["levels"]],
        "score": data["score"],
        "score_band": data["score_band"],
        "warnings": [human(w) for w in data["warnings"]],
        "criteria": [criterion_view(c) for c in data["criteria"]],
        "window": _window_words(data["procedure_window"]),
        "disclaimer": data["disclaimer"],
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    label: str
    day: date
    pct: float  # position on the bar, 0-100 %


def _age(today: date, day: date) -> str:
    days = (today - day).days
    return f"{days} days ({days // 7} weeks {days % 7} days)"


def timeline(case: StoredCase, window: dict[str, Any] | None, today: date) -> dict[str, Any]:
    """Today, each study, each fracture's onset and the window, placed on one bar."""
    points = [("Today", today)]
    points += [(f"{s.modality.value.upper()} {s.study_id or ''} ({_age(today, s.study_date)} old)",
                s.study_date) for s in case.case.imaging or () if s.study_date]  # fmt: skip
    points += [(f"{f.level} onset ({_age(today, f.symptom_onset_date)} ago)", f.symptom_onset_date)
               for f in case.case.fractures or () if f.symptom_onset_date]  # fmt: skip
    start = end = None
    if window and not window["empty"]:
        start = date.fromisoformat(window["earliest"])
        end = date.fromisoformat(window["latest"]) if window["latest"] else None
        points += [("Window opens", start)] + ([("Window closes", end)] if end else [])
    first = min(d for _, d in points)
    last = max(d for _, d in points)
    span_days = max(1, (last - first).days)

    def pct(day: date) -> float:
        return round(100 * (day - first).days / span_days, 1)

    marks = [
        Mark(label=label, day=day, pct=pct(day))
        for label, day in sorted(points, key=lambda p: p[1])
    ]
    band = None
    if start is not None:
        band = {"left": pct(start), "width": round((pct(end) if end else 100.0) - pct(start), 1)}
    return {"marks": marks, "band": band, "window": window, "today": today}


def _safety(case: StoredCase, policies: Policies, today: date) -> dict[str, Any]:
    """The assess workflow's contraindication screen (the same whatever the policy)."""
    from kypho.workflows.assess import assess_case

    try:
        found = assess_case(case.case, policies[:1], on=today, source=f"case {case.row.id}")
    except InvalidInput as err:  # e.g. a date after today: say so, show the rest
        return {"present": (), "not_recorded": (), "error": str(err)}
    return {
        "present": found.contraindications_present,
        "not_recorded": found.contraindications_not_recorded,
        "error": "",
    }


def _history(db: DbSession, pk: int) -> list[dict[str, Any]]:
    versions = case_history(db, pk, documents=False)
    ids = {v.saved_by for v in versions if v.saved_by is not None}
    found = db.execute(select(User.id, User.username).where(User.id.in_(ids)))
    names = {row[0]: row[1] for row in found}
    return [
        {"version": v.version, "who": names.get(v.saved_by or 0, "system"),
         "when": v.saved_at.strftime("%Y-%m-%d %H:%M UTC"), "note": v.note}
        for v in reversed(versions)
    ]  # fmt: skip


@router.get("/cases/{case_pk:int}")
def case_page(
    request: Request, case_pk: int, db: DbSession, actor: Reader, now: Now, policies: Policies
) -> Response:
    stored = get_case(db, actor, case_pk)
    today = now.date()
    latest = latest_assessments(db, case_pk)
    decisions = [decision_view(r, stored.version) for r in latest]
    practice = next((d for d in decisions if d["policy"] == "practice"), None)
    p = stored.case.patient
    context = {
        "case": stored,
        "patient": stored.patient,
        "age": p.age_on(today),
        "sex": p.sex.value if p.sex else None,
        "levels": stored.case.levels_under_review,
        "stage": case_stage(db, case_pk, now),
        "decisions": decisions,
        "checklist": missing_checklist(assessment_history(db, case_pk), latest),
        "timeline": timeline(stored, practice["window"] if practice else None, today),
        "safety": _safety(stored, policies, today),
        "history": _history(db, case_pk),
        "can_edit": allowed(actor.role, Permission.EDIT_CASE),
    }
    return render(request, "case/page.html", context)


@router.post("/cases/{case_pk:int}/assess")
def assess_page(
    case_pk: int, db: DbSession, actor: Editor, now: Now, policies: Policies
) -> Response:
    """Assess the current version now, under the clinic's policies; back to the case."""
    stored = get_case(db, actor, case_pk)
    assess_and_store(db, actor, stored, policies, on=now.date())
    return RedirectResponse(f"/cases/{case_pk}", status_code=303)
