"""The worklist and the fracture-liaison queue: every case, its stage, fast.

The worklist reads the stored stages (``case_stages``, kept by ``kypho.store.stage_table``)
joined with cases and patients: the search, the stage and overdue filters, the order
(overdue first, then by case) and the page are SQL, the counts one GROUP BY, so a page
costs the same few indexed queries whatever the number of cases.

The stage itself is read off the records (``case_facts``, which ``stage_table`` stores
and the case page and the liaison queue read directly): three queries whatever the
number of cases: the cases, the latest decision per case and policy, and the booked
procedures and follow-up visits. The few case file fields a stage needs (procedure
date, visit dates, continuum of care) and the practice decision's window are read by
the database's JSON functions once per case version and per stored assessment: both
rows are immutable, so what was read is kept (per engine) and later reads skip it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from kypho.store.assessments import latest_ids_query
from kypho.store.audit import Actor, record_event
from kypho.store.models import (
    Appointment,
    Assessment,
    Case,
    CaseStageRow,
    CaseVersion,
    Patient,
)
from kypho.store.row_memo import as_json, cached, chunks, memo_of, read_rows
from kypho.store.stages import PRACTICE_POLICY_ID, CaseStage, Stage, StageFacts, stage_of

PER_PAGE = 50


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


_LIKE_ESCAPE = "\\"  # the LIKE escape character: the search's "%" and "_" are literal


def like_pattern(q: str) -> str:
    """``q`` as a LIKE pattern matching it anywhere, literally: its escape character,
    "%" and "_" are escaped (the query says ``ESCAPE '\\'`` on both engines)."""
    text = q.strip().lower()
    for char in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, _LIKE_ESCAPE + char)
    return f"%{text}%"


def _search(q: str) -> ColumnElement[bool]:
    like = like_pattern(q)
    return or_(
        func.lower(Case.case_ref).like(like, escape=_LIKE_ESCAPE),
        func.lower(Patient.name).like(like, escape=_LIKE_ESCAPE),
        func.lower(Patient.mrn).like(like, escape=_LIKE_ESCAPE),
    )


def _case_query(q: str, only: int | None, ids: list[int] | None = None) -> Any:
    query = (
        select(Case.id, Case.case_ref, Case.version, Case.closed_at, Patient.id, Patient.name,
               Patient.mrn, CaseVersion.id)
        .join(Patient, Patient.id == Case.patient_id)
        .join(CaseVersion, (CaseVersion.case_id == Case.id) & (CaseVersion.version == Case.version))
        .order_by(Case.id)
    )  # fmt: skip
    if only is not None:
        query = query.where(Case.id == only)
    if ids is not None:
        query = query.where(Case.id.in_(ids))
    return query.where(_search(q)) if q.strip() else query


def _doc_facts(db: Session, version_ids: list[int]) -> dict[int, _DocFacts]:
    """The few case file fields a stage needs, per case version id (memoised)."""
    memo = memo_of(db)
    found: dict[int, _DocFacts] = cached(memo, "doc", version_ids)
    missing = [v for v in version_ids if v not in found]
    doc = as_json(db, CaseVersion.document)
    for chunk in chunks(missing):
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
    memo = memo_of(db)
    found: dict[int, date | None] = cached(memo, "window", assessment_ids)
    missing = [a for a in assessment_ids if a not in found]
    window = as_json(db, Assessment.result)[("procedure_window", "latest")].as_string()
    for chunk in chunks(missing):
        for aid, latest in db.execute(
            select(Assessment.id, window).where(Assessment.id.in_(chunk))
        ):
            found[aid] = memo[("window", aid)] = _day(latest)
    return found


def _latest(db: Session, cases: Any) -> dict[int, _Latest]:
    rows = db.execute(
        select(Assessment.id, Assessment.case_id, Assessment.policy_id, Assessment.decision)
        .where(Assessment.id.in_(latest_ids_query(None).where(Assessment.case_id.in_(cases))))
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


def _facts(record: Any, doc: _DocFacts, latest: _Latest | None, window: date | None,
           booked: dict[tuple[int, str], date]) -> StageFacts:  # fmt: skip
    pk, closed_at = record[0], record[3]
    decisions = latest.decisions if latest else {}
    return StageFacts(
        closed=closed_at is not None, procedure_date=doc.procedure_date,
        visit_dates=doc.visit_dates, procedure_booked_on=booked.get((pk, "procedure")),
        follow_up_booked_on=booked.get((pk, "follow_up")),
        practice_decision=decisions.get(PRACTICE_POLICY_ID), window_latest=window,
    )  # fmt: skip


def _row(record: Any, doc: _DocFacts, latest: _Latest | None, facts: StageFacts,
         today: date) -> CaseRow:  # fmt: skip
    pk, ref, version, _, patient_id, name, mrn, _ = record
    return CaseRow(
        case_pk=pk, case_ref=ref, version=version, patient_id=patient_id, patient_name=name,
        mrn=mrn, stage=stage_of(facts, today=today),
        decisions=dict(latest.decisions if latest else {}), continuum=doc.continuum,
        has_fracture=doc.has_fracture, procedure_date=doc.procedure_date,
    )  # fmt: skip


def case_facts(
    db: Session, *, today: date, now: datetime, q: str = "", only: int | None = None,
    ids: list[int] | None = None,
) -> list[tuple[CaseRow, StageFacts]]:  # fmt: skip
    """Every case matching ``q`` (case ref, patient name or MRN), or case ``only``, or the
    cases ``ids``, with its stage and the facts it was read from; not audited."""
    records = db.execute(_case_query(q, only, ids)).all()
    cases = _case_query(q, only, ids).with_only_columns(Case.id).order_by(None).scalar_subquery()
    latest, booked = _latest(db, cases), _booked(db, now, cases)
    docs = _doc_facts(db, [r[7] for r in records])
    windows = _windows(db, [x.practice_id for x in latest.values() if x.practice_id is not None])
    found = []
    for r in records:
        last = latest.get(r[0])
        window = windows.get(last.practice_id) if last and last.practice_id else None
        facts = _facts(r, docs[r[7]], last, window, booked)
        found.append((_row(r, docs[r[7]], last, facts, today), facts))
    return found


def case_rows(
    db: Session, *, today: date, now: datetime, q: str = "", only: int | None = None
) -> list[CaseRow]:
    """Every case matching ``q`` (case ref, patient name or MRN), or case ``only``, with its
    stage read off the records; not audited (the caller records the list or the read)."""
    return [row for row, _ in case_facts(db, today=today, now=now, q=q, only=only)]


_COUNTS = select(CaseStageRow.stage, CaseStageRow.overdue, func.count()).group_by(
    CaseStageRow.stage, CaseStageRow.overdue
)


def _counts(db: Session, q: str) -> dict[tuple[Stage, bool], int]:
    """Cases per (stage, overdue) over the search: one GROUP BY."""
    query = _joined(_COUNTS).where(_search(q)) if q.strip() else _COUNTS
    rows = read_rows(db, query)
    return {(Stage(stage), bool(late)): n for stage, late, n in rows}


def _joined(query: Any) -> Any:
    return query.join(Case, Case.id == CaseStageRow.case_id).join(
        Patient, Patient.id == Case.patient_id
    )


def _listed(q: str, stage: Stage | None, overdue: bool) -> Any:
    """The worklist's query (built once per stage and overdue when there is no search:
    building it was a third of its cost)."""
    if q.strip():
        return _build_listed(q, stage, overdue)
    found = _LISTED.get((stage, overdue))
    if found is None:
        found = _LISTED[(stage, overdue)] = _build_listed("", stage, overdue)
    return found


_LISTED: dict[tuple[Stage | None, bool], Any] = {}


def _build_listed(q: str, stage: Stage | None, overdue: bool) -> Any:
    query = _joined(
        select(CaseStageRow.case_id, CaseStageRow.stage, CaseStageRow.next_action,
               CaseStageRow.overdue_reasons, CaseStageRow.decisions, Case.case_ref,
               Case.version, Patient.id, Patient.name, Patient.mrn)
    ).where(CaseStageRow.overdue == overdue).order_by(CaseStageRow.case_id)  # fmt: skip
    if stage is not None:
        query = query.where(CaseStageRow.stage == stage.value)
    return query.where(_search(q)) if q.strip() else query


# Rows read before, by everything they were read from (the stored stage row's columns and
# the case's and patient's): the same values give the same row, so a kept one is never
# stale. Project convention: a bound on its memory (~1 kB a row).
_ROWS_MAX_ENTRIES = 20_000
_ROWS: dict[tuple[Any, ...], CaseRow] = {}


def _stored_row(record: Any) -> CaseRow:
    key = tuple(record)
    found = _ROWS.get(key)
    if found is not None:
        return found
    pk, stage, action, reasons, decisions, ref, version, patient_id, name, mrn = key
    found = CaseRow(
        case_pk=pk, case_ref=ref, version=version, patient_id=patient_id, patient_name=name,
        mrn=mrn, decisions=json.loads(decisions),
        stage=CaseStage(stage=Stage(stage), next_action=action,
                        overdue=tuple(json.loads(reasons))),
    )  # fmt: skip
    if len(_ROWS) >= _ROWS_MAX_ENTRIES:
        _ROWS.clear()
    _ROWS[key] = found
    return found


def _page_rows(db: Session, q: str, stage: Stage | None, skip: int, take: int,
               overdue_count: int, overdue_only: bool) -> list[CaseRow]:  # fmt: skip
    """Rows ``skip`` to ``skip + take`` in the worklist's order: overdue first, then the rest
    (each part read by its own index in case order, so the page stops at ``take``)."""
    rows = []
    if skip < overdue_count:
        part = _listed(q, stage, True).offset(skip).limit(take)
        rows = [_stored_row(r) for r in read_rows(db, part)]
    rest = take - len(rows)
    if rest > 0 and not overdue_only:
        part = _listed(q, stage, False).offset(max(0, skip - overdue_count)).limit(rest)
        rows += [_stored_row(r) for r in read_rows(db, part)]
    return rows


def worklist(
    db: Session,
    actor: Actor,
    *,
    now: datetime,
    q: str = "",
    stage: Stage | None = None,
    overdue_only: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Worklist:
    """One page of the worklist on the clinic's clock ``now`` (overdue first, then by
    case), read off the stored stages; one audit event, "list"."""
    from kypho.store.stage_table import refresh_due  # it reads stages with this module

    refresh_due(db, now)
    by_key = _counts(db, q)
    counts = {s: by_key.get((s, True), 0) + by_key.get((s, False), 0) for s in Stage}
    chosen = [s for s in Stage if stage is None or s is stage]
    late = sum(by_key.get((s, True), 0) for s in chosen)
    total = late if overdue_only else sum(counts[s] for s in chosen)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    shown = _page_rows(db, q, stage, (page - 1) * per_page, per_page, late, overdue_only)
    record_event(db, actor, action="list", record_type="case", record_id="worklist",
                 detail=f"{len(shown)} of {total} cases; page {page}")  # fmt: skip
    return Worklist(rows=shown, counts=counts, total=total, page=page, pages=pages)
