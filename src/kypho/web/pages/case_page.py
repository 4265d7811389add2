"""The case page ``/cases/{pk}``: the patient at a glance, each policy's stored decision
with its criteria, the missing-documents checklist, the procedure window on a timeline,
the safety screen and the version history; ``POST /cases/{pk}/assess`` re-assesses.

Words come from ``kypho.rules`` (``words``, ``sources``): the page invents no text about a
criterion. Decisions shown are the stored ones (``kypho.store.assessments``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import Engine, bindparam, func, select

from kypho.errors import InvalidInput
from kypho.rules import CriterionResult, Outcome, Role
from kypho.rules.sources import source_text
from kypho.rules.words import AGAINST, VERDICT_WORDS, human, mark, threshold_words, word
from kypho.store.assessments import assess_and_store, case_decisions
from kypho.store.audit import Actor, record_event
from kypho.store.base import utc_minute
from kypho.store.cases import StoredCase, get_case
from kypho.store.models import Assessment, Case, CaseStageRow, CaseVersion, Patient, User
from kypho.store.row_memo import read_rows
from kypho.store.stage_table import STAGE_COLUMNS, case_stage, held_stage
from kypho.store.stages import CaseStage
from kypho.web.deps import DbSession, Now, Policies
from kypho.web.render import fill, render_shared
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]
_MARK_CLASS = {"[ok]": "ok", "[NO]": "no", "[??]": "unknown"}
# Project convention: a bound on the memory of the decisions' words (~10 kB each).
_WORDS_MAX_ENTRIES = 3000
_WORDS: WeakKeyDictionary[Engine, dict[int, dict[str, Any]]] = WeakKeyDictionary()


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


def criteria_html(criteria: list[dict[str, Any]]) -> Markup:
    """The criteria tree (``criterion_view``'s) as nested lists, every text escaped.

    Built here, not by a recursive Jinja macro: a case page shows some 100 criteria, and
    the macro's calls were a quarter of the page's time (measured, ``bench/bench_web.py``).
    """
    out: list[str] = []
    _criteria_into(out, criteria)
    return Markup("".join(out))


def _criteria_into(out: list[str], criteria: list[dict[str, Any]]) -> None:
    out.append('<ul class="criteria">\n')
    for c in criteria:
        level = f'<span class="muted">{escape(c["level"])}:</span> ' if c["level"] else ""
        out.append(
            f'<li class="criterion mark-{escape(c["mark_class"])}">\n'
            f'<span class="mark">{escape(c["mark"])}</span> {level}{escape(c["text"])}\n'
            f'<div class="detail">{escape(c["word"])}: {escape(c["observed"])} '
            f"({escape(c['bar'])}: {escape(c['threshold'])})</div>\n"
        )
        if c["sources"]:
            out.append(f'<div class="source">Source: {escape("; ".join(c["sources"]))}</div>\n')
        if c["children"]:
            _criteria_into(out, c["children"])
        out.append("</li>\n")
    out.append("</ul>\n")


def _window_words(window: dict[str, Any] | None) -> dict[str, Any] | None:
    if window is None:
        return None
    constraints = [{**c, "text": human(c["text"]), "redo_after": human(c["redo_after"])}
                   for c in window["constraints"]]  # fmt: skip
    return {**window, "constraints": constraints}


def decision_words(row: Assessment, data: dict[str, Any]) -> dict[str, Any]:
    """What the page says of a stored assessment: read off that row alone."""
    return {
        "policy": row.policy_id,
        "title": data["policy_title"],
        "policy_version": row.policy_version,
        "on": row.on_date.isoformat(),
        "case_version": row.case_version,
        "decision": row.decision,
        "words": VERDICT_WORDS.get(row.decision, human(row.decision)),
        "recommendation": data["recommendation"],
        "levels": [(la["level"], VERDICT_WORDS[la["decision"]]) for la in data["levels"]],
        "score": data["score"],
        "score_band": data["score_band"],
        "warnings": [human(w) for w in data["warnings"]],
        "criteria_count": len(data["criteria"]),
        "criteria_html": criteria_html([criterion_view(c) for c in data["criteria"]]),
        "window": _window_words(data["procedure_window"]),
        "disclaimer": data["disclaimer"],
    }


def _remembered_words(db: DbSession, row: Assessment, data: dict[str, Any]) -> dict[str, Any]:
    """``decision_words``, kept per engine and assessment id: a stored assessment never
    changes, and the words of its ~100 criteria were a third of the page's time."""
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    held = _WORDS.setdefault(engine, {})
    found = held.get(row.id)
    if found is None:
        if len(held) >= _WORDS_MAX_ENTRIES:
            held.clear()
        found = held[row.id] = decision_words(row, data)
    return found


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


def _safety(case: StoredCase, today: date) -> dict[str, Any]:
    """The assess workflow's contraindication screen (the same whatever the policy).

    ``kypho.workflows.assess.assess_case`` screens with ``screen_case`` after the engine's
    date check (``Case.check_not_after``); the page needs no policy's decision for it.
    """
    from kypho.planning import screen_case
    from kypho.workflows.assess import CaseAssessment

    try:
        case.case.check_not_after(today)
    except InvalidInput as err:  # e.g. a date after today: say so, show the rest
        return {"present": (), "not_recorded": (), "error": str(err)}
    screened = screen_case(case.case, case.case.levels_under_review, on=today)
    found = CaseAssessment(source=f"case {case.row.id}", case=case.case, assessments=(),
                           safety=screened)  # fmt: skip
    return {
        "present": found.contraindications_present,
        "not_recorded": found.contraindications_not_recorded,
        "error": "",
    }


def _history(db: DbSession, pk: int, version: int) -> list[dict[str, Any]]:
    """Every saved version up to ``version`` (the one shown), newest first, with who saved
    it: one query."""
    versions = db.execute(
        select(CaseVersion.version, User.username, CaseVersion.saved_at, CaseVersion.note)
        .outerjoin(User, User.id == CaseVersion.saved_by)
        .where(CaseVersion.case_id == pk, CaseVersion.version <= version)
        .order_by(CaseVersion.version.desc())
    )
    return [
        {"version": version, "who": who or "system",
         "when": utc_minute(saved_at), "note": note}
        for version, who, saved_at, note in versions
    ]  # fmt: skip


# What a case page shows is read off immutable rows (the case version, stored assessments,
# the saved versions' history: the app never renames a user) and a few mutable ones read
# on every request: the case's version and ref, the patient's name and MRN, the stored
# stage. A page is kept under all of those, the clinic's today (age, timeline, safety
# screen) and the reader's role (links, forms); the CSRF token and the user name are put
# in per request (``fill``). The key is read from the database each time, so every process
# (PostgreSQL) sees each change. The assessments read are named by their count and newest
# id: they are only ever added (``kypho.store.assessments``), with growing ids.
_OF_CASE = Assessment.case_id == Case.id
_KEY = (
    select(Case.version, Case.case_ref, Patient.id, Patient.name, Patient.mrn,
           Patient.birth_date, Patient.version,
           select(func.count(Assessment.id)).where(_OF_CASE).scalar_subquery(),
           select(func.max(Assessment.id)).where(_OF_CASE).scalar_subquery(),
           *STAGE_COLUMNS)
    .join(Patient, Patient.id == Case.patient_id)
    .outerjoin(CaseStageRow, CaseStageRow.case_id == Case.id)
    .where(Case.id == bindparam("pk"))
)  # fmt: skip
# Project convention: a bound on the memory of kept pages (~40 kB each).
_PAGES_MAX_ENTRIES = 500
_PAGES: WeakKeyDictionary[Engine, dict[tuple[Any, ...], str]] = WeakKeyDictionary()


def _pages_of(db: DbSession) -> dict[tuple[Any, ...], str]:
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    held = _PAGES.setdefault(engine, {})
    if len(held) >= _PAGES_MAX_ENTRIES:
        held.clear()
    return held


def _page_key(case_pk: int, version: int, case_ref: str, patient: tuple[Any, ...],
              assessed: tuple[int, int | None], stage: CaseStage | None, today: date,
              role: str) -> tuple[Any, ...]:  # fmt: skip
    return (case_pk, version, case_ref, patient, assessed, stage, today, role)


@router.get("/cases/{case_pk:int}")
def case_page(request: Request, case_pk: int, db: DbSession, actor: Reader, now: Now) -> Response:
    today = now.date()
    head = read_rows(db, _KEY, {"pk": case_pk}).first()  # one query, Core: plain columns
    if head is not None:
        version, case_ref, *patient, count, newest = head[:9]  # patient: id to version
        stage = held_stage(tuple(head[9:]), now) or case_stage(db, case_pk, now)
        key = _page_key(case_pk, version, case_ref, tuple(patient), (count, newest),
                        stage, today, actor.role)  # fmt: skip
        kept = _pages_of(db).get(key)
        if kept is not None:  # the read is audited as get_case audits it
            record_event(db, actor, action="read", record_type="case", record_id=case_pk,
                         case_id=case_pk, detail=f"version {version}")  # fmt: skip
            return fill(request, kept)
    return fill(request, _render(request, db, actor, case_pk, now))


def _render(request: Request, db: DbSession, actor: Actor, case_pk: int, now: datetime) -> str:
    """The page read in full (``get_case`` audits the read), kept under the key of what
    it was read from."""
    stored = get_case(db, actor, case_pk)
    today = now.date()
    found = case_decisions(db, case_pk)
    decisions = [
        {**_remembered_words(db, row, data), "stale": row.case_version != stored.version}
        for row, data in found.latest
    ]
    practice = next((d for d in decisions if d["policy"] == "practice"), None)
    p = stored.case.patient
    stage = case_stage(db, case_pk, now)
    context = {
        "case": stored,
        "patient": stored.patient,
        "age": p.age_on(today),
        "sex": p.sex.value if p.sex else None,
        "levels": stored.case.levels_under_review,
        "stage": stage,
        "decisions": decisions,
        "checklist": found.checklist,
        "timeline": timeline(stored, practice["window"] if practice else None, today),
        "safety": _safety(stored, today),
        "history": _history(db, case_pk, stored.version),
        "can_edit": allowed(actor.role, Permission.EDIT_CASE),
    }
    page = render_shared(request, "case/page.html", context)
    shown = stored.patient  # as _KEY reads it: id, name, MRN, birth date, version
    patient = (shown.id, shown.name, shown.mrn, shown.birth_date, shown.version)
    assessed = (len(found.ids), max(found.ids, default=None))
    key = _page_key(case_pk, stored.version, stored.row.case_ref, patient, assessed, stage,
                    today, actor.role)  # fmt: skip
    _pages_of(db)[key] = page
    return page


@router.post("/cases/{case_pk:int}/assess")
def assess_page(
    case_pk: int, db: DbSession, actor: Editor, now: Now, policies: Policies
) -> Response:
    """Assess the current version now, under the clinic's policies; back to the case."""
    stored = get_case(db, actor, case_pk)
    assess_and_store(db, actor, stored, policies, on=now.date())
    return RedirectResponse(f"/cases/{case_pk}", status_code=303)
