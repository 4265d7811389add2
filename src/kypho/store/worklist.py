"""The worklist and the fracture-liaison queue: every open case, its stage, fast.

Three queries serve a page whatever the number of cases: the cases, the latest decision
per case and policy, and the booked procedures and follow-up visits. The few case file
fields a stage needs (procedure date, visit dates, continuum of care) and the practice
decision's window are read by the database's JSON functions once per case version and
per stored assessment: both rows are immutable, so what was read is kept (per engine)
and later pages skip it.
Stages are then read per row (``stages.stage_of``); the page shows ``PER_PAGE`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, ColumnElement, Engine, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from kypho.store.assessments import latest_ids_query
from kypho.store.audit import Actor, record_event
from kypho.store.models import Appointment, Assessment, Case, CaseVersion, Patient
from kypho.store.stages import PRACTICE_POLICY_ID, CaseStage, Stage, StageFacts, stage_of

PER_PAGE = 50


_CHUNK = 500  # ids per IN (...) list: well under SQLite's 999 bound parameters
_MEMO_MAX_ENTRIES = 200_000  # project convention: a bound on the memo's memory
_ABSENT = object()
_MEMO: WeakKeyDictionary[Engine, dict[tuple[str, int], Any]] = WeakKeyDictionary()


def _json(db: Session, column: Any) -> Any:
    """A text column seen as JSON (PostgreSQL needs a cast; SQLite reads the text as is)."""
    if db.get_bind().dialect.name == "sqlite":
        return type_coerce(column, JSON)
    return cast(column, JSON)


def _memo(db: Session) -> dict[tuple[str, int], Any]:
    """Facts read off immutable rows (a case version, a stored assessment), by row id.

    Both rows are append-only, so a fact read once stays true; the memo is per engine,
    so another database never sees it.
    """
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    memo = _MEMO.setdefault(engine, {})
    if len(memo) > _MEMO_MAX_ENTRIES:
        memo.clear()
    return memo


def _cached(memo: dict[tuple[str, int], Any], kind: str, ids: list[int]) -> dict[int, Any]:
    """What the memo holds for ``ids`` (read once per key: another thread may clear it)."""
    held = ((i, memo.get((kind, i), _ABSENT)) for i in ids)
    return {i: value for i, value in held if value is not _ABSENT}


@dataclass(frozen=True, slots=True, kw_only=True)
class _DocFacts:
    procedure_date: date | None
    visit_dates: tuple[date, ...]
    continuum: dict[str, Any]
    has_fracture: bool


class _Latest(NamedTuple):
    decisions: dict[str, str]  # policy id -> decision
    practice_id: int | None  # the practice assessment's row id


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRow:
    case_pk: int
    case_ref: str
    version: int
    patient_id: int
    patient_name: str
    mrn: str
    stage: CaseStage
    decisions: dict[str, str] = field(default_factory=dict)  # policy id -> latest decision
    continuum: dict[str, Any] = field(default_factory=dict)  # case file continuum_of_care
    has_fracture: bool = False
    procedure_date: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Worklist:
    rows: list[CaseRow]  # this page's rows
    counts: dict[Stage, int]  # per stage, over the search (before the stage filter)
    total: int  # rows after every filter
    page: int
    pages: int


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _visits(follow_up: object) -> tuple[date, ...]:
    if not isinstance(follow_up, list):
        return ()
    days = (_day(v.get("visit_date")) for v in follow_up if isinstance(v, dict))
    return tuple(d for d in days if d is not None)


def _search(q: str) -> ColumnElement[bool]:
    like = f"%{q.strip().lower()}%"
    return or_(
        func.lower(Case.case_ref).like(like),
        func.lower(Patient.name).like(like),
        func.lower(Patient.mrn).like(like),
    )


def _case_query(q: str, only: int | None) -> Any:
    query = (
        select(Case.id, Case.case_ref, Case.version, Case.closed_at, Patient.id, Patient.name,
               Patient.mrn, CaseVersion.id)
        .join(Patient, Patient.id == Case.patient_id)
        .join(CaseVersion, (CaseVersion.case_id == Case.id) & (CaseVersion.version == Case.version))
        .order_by(Case.id)
    )  # fmt: skip
    if only is not None:
        query = query.where(Case.id == only)
    return query.where(_search(q)) if q.strip() else query


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    return (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK))


def _doc_facts(db: Session, version_ids: list[int]) -> dict[int, _DocFacts]:
    """The few case file fields a stage needs, per case version id (memoised)."""
    memo = _memo(db)
    found: dict[int, _DocFacts] = _cached(memo, "doc", version_ids)
    missing = [v for v in version_ids if v not in found]
    doc = _json(db, CaseVersion.document)
    for chunk in _chunks(missing):
        rows = db.execute(
            select(CaseVersion.id, doc[("procedure", "date")].as_string(), doc[("follow_up",)],
                   doc[("continuum_of_care",)], doc[("fractures", 0, "level")].as_string())
            .where(CaseVersion.id.in_(chunk))
        )  # fmt: skip
        for vid, proc, follow_up, coc, level in rows:
            found[vid] = memo[("doc", vid)] = _DocFacts(
                procedure_date=_day(proc), visit_dates=_visits(follow_up),
                continuum=coc if isinstance(coc, dict) else {}, has_fracture=level is not None,
            )  # fmt: skip
    return found


def _windows(db: Session, assessment_ids: list[int]) -> dict[int, date | None]:
    """The last day of each stored assessment's procedure window (memoised)."""
    memo = _memo(db)
    found: dict[int, date | None] = _cached(memo, "window", assessment_ids)
    missing = [a for a in assessment_ids if a not in found]
    window = _json(db, Assessment.result)[("procedure_window", "latest")].as_string()
    for chunk in _chunks(missing):
        for aid, latest in db.execute(
            select(Assessment.id, window).where(Assessment.id.in_(chunk))
        ):
            found[aid] = memo[("window", aid)] = _day(latest)
    return found


def _latest(db: Session, cases: Any) -> dict[int, _Latest]:
    rows = db.execute(
        select(Assessment.id, Assessment.case_id, Assessment.policy_id, Assessment.decision)
        .where(Assessment.id.in_(latest_ids_query(None)), Assessment.case_id.in_(cases))
        .order_by(Assessment.id)
    )
    decisions: dict[int, dict[str, str]] = {}
    practice: dict[int, int] = {}
    for aid, case_pk, policy_id, decision in rows:
        decisions.setdefault(case_pk, {})[policy_id] = decision
        if policy_id == PRACTICE_POLICY_ID:
            practice[case_pk] = aid
    return {pk: _Latest(d, practice.get(pk)) for pk, d in decisions.items()}


def _booked(db: Session, now: datetime, cases: Any) -> dict[tuple[int, str], date]:
    """(case, kind) -> the first booked procedure or follow-up appointment after ``now``."""
    rows = db.execute(
        select(Appointment.case_id, Appointment.kind, func.min(Appointment.starts_at))
        .where(Appointment.kind.in_(("procedure", "follow_up")),
               Appointment.status == "booked", Appointment.starts_at > now,
               Appointment.case_id.in_(cases))
        .group_by(Appointment.case_id, Appointment.kind)
    )  # fmt: skip
    return {(case_pk, kind): starts.date() for case_pk, kind, starts in rows}


def _row(record: Any, doc: _DocFacts, latest: _Latest | None, window: date | None,
         booked: dict[tuple[int, str], date], today: date) -> CaseRow:  # fmt: skip
    pk, ref, version, closed_at, patient_id, name, mrn, _ = record
    decisions = latest.decisions if latest else {}
    facts = StageFacts(
        closed=closed_at is not None, procedure_date=doc.procedure_date,
        visit_dates=doc.visit_dates, procedure_booked_on=booked.get((pk, "procedure")),
        follow_up_booked_on=booked.get((pk, "follow_up")),
        practice_decision=decisions.get(PRACTICE_POLICY_ID), window_latest=window,
    )  # fmt: skip
    return CaseRow(
        case_pk=pk, case_ref=ref, version=version, patient_id=patient_id, patient_name=name,
        mrn=mrn, stage=stage_of(facts, today=today), decisions=dict(decisions),
        continuum=doc.continuum, has_fracture=doc.has_fracture,
        procedure_date=doc.procedure_date,
    )  # fmt: skip


def case_rows(
    db: Session, *, today: date, now: datetime, q: str = "", only: int | None = None
) -> list[CaseRow]:
    """Every case matching ``q`` (case ref, patient name or MRN), or case ``only``, with its
    stage; not audited (the caller records the list or the read)."""
    records = db.execute(_case_query(q, only)).all()
    cases = _case_query(q, only).with_only_columns(Case.id).order_by(None).scalar_subquery()
    latest, booked = _latest(db, cases), _booked(db, now, cases)
    docs = _doc_facts(db, [r[7] for r in records])
    windows = _windows(db, [x.practice_id for x in latest.values() if x.practice_id is not None])
    rows = []
    for r in records:
        found = latest.get(r[0])
        window = windows.get(found.practice_id) if found and found.practice_id else None
        rows.append(_row(r, docs[r[7]], found, window, booked, today))
    return rows


def stage_counts(rows: Iterable[CaseRow]) -> dict[Stage, int]:
    counts = dict.fromkeys(Stage, 0)
    for row in rows:
        counts[row.stage.stage] += 1
    return counts


def worklist(
    db: Session,
    actor: Actor,
    *,
    today: date,
    now: datetime,
    q: str = "",
    stage: Stage | None = None,
    overdue_only: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Worklist:
    """One page of the worklist (overdue first, then by case); one audit event, "list"."""
    found = case_rows(db, today=today, now=now, q=q)
    counts = stage_counts(found)
    chosen = [
        r
        for r in found
        if (stage is None or r.stage.stage is stage) and (r.stage.overdue or not overdue_only)
    ]
    chosen.sort(key=lambda r: (not r.stage.overdue, r.case_pk))
    pages = max(1, -(-len(chosen) // per_page))
    page = min(max(1, page), pages)
    shown = chosen[(page - 1) * per_page : page * per_page]
    record_event(db, actor, action="list", record_type="case", record_id="worklist",
                 detail=f"{len(shown)} of {len(chosen)} cases; page {page}")  # fmt: skip
    return Worklist(rows=shown, counts=counts, total=len(chosen), page=page, pages=pages)
