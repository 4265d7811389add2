"""Keeping ``case_stages`` current, with the worklist's own reading of each stage.

Written with the change: a transaction that changes what a stage is read from (a case
row or version, a stored assessment, an appointment) refreshes those cases' rows before
it commits. The session notes the case ids as it flushes (``note_flush``) and as it runs
an ORM bulk statement (``note_execute``: ``UPDATE cases ... WHERE id = ...``; one it
cannot read drops every row, for the next read to fill), and ``refresh_noted`` computes
them on the clinic's clock when the request set one (``CLINIC_NOW`` in ``Session.info``),
else on the wall clock in the clinic's time zone.

Read lazily: before a worklist query, ``refresh_due`` refreshes (in a transaction of
its own when the reader's session is read-only) the rows whose time has come
(``valid_until <= now``), those computed on a clock later than the reader's (a clock set
back, as in tests), and every case without a row, so an existing database fills itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from kypho.pathway import follow_up_visits
from kypho.store.base import utcnow
from kypho.store.models import Appointment, Assessment, Case, CaseStageRow, CaseVersion
from kypho.store.row_memo import read_rows
from kypho.store.stages import (
    FOLLOW_UP_DUE_AHEAD_DAYS,
    WINDOW_CLOSING_SOON_DAYS,
    CaseStage,
    Stage,
    StageFacts,
    stage_of,
)
from kypho.store.write_gate import is_read_only, write_apart

CLINIC_NOW = "kypho.clinic_now"  # key in Session.info: the request's clinic clock
_NOTED = "kypho.stages_noted"  # key in Session.info: case ids to refresh before commit
_EVERY = "kypho.stages_every"  # key in Session.info: a bulk change of cases not known
_CHUNK = 100  # rows per statement: 100 x 9 bound parameters, under SQLite's 999
_BY_CASE_ID = (CaseVersion.__tablename__, Assessment.__tablename__, Appointment.__tablename__)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    return (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK))


def _boundaries(facts: StageFacts) -> set[date]:
    """Every day on which ``stage_of`` may read these facts differently from the day before."""
    days: set[date] = set()
    if facts.procedure_date is not None:
        days.add(facts.procedure_date + timedelta(days=1))  # treated from the next day
        ahead = timedelta(days=FOLLOW_UP_DUE_AHEAD_DAYS)
        for slot in follow_up_visits(facts.procedure_date):
            days |= {slot.earliest - ahead, slot.latest + timedelta(days=1)}
    if facts.window_latest is not None:  # "closes ... (in N days)" changes daily
        first = facts.window_latest - timedelta(days=WINDOW_CLOSING_SOON_DAYS)
        days |= {first + timedelta(days=n) for n in range(WINDOW_CLOSING_SOON_DAYS + 2)}
    return days


def changes_on(facts: StageFacts, today: date) -> date | None:
    """The first day after ``today`` on which the stage of ``facts`` reads differently."""
    current = stage_of(facts, today=today)
    for day in sorted(d for d in _boundaries(facts) if d > today):
        if stage_of(facts, today=day) != current:
            return day
    return None


def _next_starts(db: Session, now: datetime, ids: list[int]) -> dict[int, datetime]:
    """The first booked procedure or follow-up after ``now``: a stage fact until it starts."""
    rows = db.execute(
        select(Appointment.case_id, func.min(Appointment.starts_at))
        .where(Appointment.kind.in_(("procedure", "follow_up")),
               Appointment.status == "booked", Appointment.starts_at > now,
               Appointment.case_id.in_(ids))
        .group_by(Appointment.case_id)
    )  # fmt: skip
    return {int(case_pk): starts for case_pk, starts in rows}


def _values(
    case_pk: int, stage: CaseStage, decisions: dict[str, str], until: datetime | None, now: datetime
) -> dict[str, Any]:
    return {
        "case_id": case_pk,
        "stage": stage.stage.value,
        "overdue": bool(stage.overdue),
        "overdue_reasons": json.dumps(list(stage.overdue), ensure_ascii=False),
        "next_action": stage.next_action,
        "decisions": json.dumps(decisions, ensure_ascii=False),
        "valid_until": until,
        "computed_for": now,
        "computed_at": utcnow(),
    }


def _upsert(db: Session, rows: list[dict[str, Any]]) -> None:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(CaseStageRow).values(rows)
    changed = {key: statement.excluded[key] for key in rows[0] if key != "case_id"}
    db.execute(statement.on_conflict_do_update(index_elements=["case_id"], set_=changed))


def refresh_stages(db: Session, case_ids: Iterable[int], now: datetime) -> int:
    """Compute and store the rows of ``case_ids`` on the clinic's clock ``now``."""
    from kypho.store.worklist import case_facts  # it imports this module's callers

    done = 0
    for chunk in _chunks(sorted(set(case_ids))):
        starts = _next_starts(db, now, chunk)
        rows = []
        for row, facts in case_facts(db, today=now.date(), now=now, ids=chunk):
            day = changes_on(facts, now.date())
            moments = [starts.get(row.case_pk)]
            moments.append(None if day is None else datetime.combine(day, time(), now.tzinfo))
            until = min((m for m in moments if m is not None), default=None)
            rows.append(_values(row.case_pk, row.stage, row.decisions, until, now))
        if rows:
            _upsert(db, rows)
        done += len(rows)
    return done


# Built once: the worklist asks on every read (statement building was a tenth of its time).
_STALE = select(CaseStageRow.case_id).where(
    or_(CaseStageRow.valid_until <= bindparam("now"), CaseStageRow.computed_for > bindparam("now"))
)
_MISSING = select(
    select(func.count()).select_from(Case).scalar_subquery()
    - select(func.count()).select_from(CaseStageRow).scalar_subquery()
)
_WITHOUT = select(Case.id).where(~exists().where(CaseStageRow.case_id == Case.id))


_ANY_DUE = select(_STALE.exists(), _MISSING.scalar_subquery())
# A stored row's columns that ``held_stage`` reads (a caller may join them to its query).
STAGE_COLUMNS = (CaseStageRow.stage, CaseStageRow.next_action, CaseStageRow.overdue_reasons,
                 CaseStageRow.computed_for, CaseStageRow.valid_until)  # fmt: skip
_STAGE_OF = select(*STAGE_COLUMNS).where(CaseStageRow.case_id == bindparam("pk"))


def any_due(db: Session, now: datetime) -> bool:
    """Whether ``due_ids`` would find any: one query (a read finds none most of the time)."""
    stale, missing = read_rows(db, _ANY_DUE, {"now": now}).one()
    return bool(stale) or bool(missing)


def due_ids(db: Session, now: datetime) -> list[int]:
    """The cases whose rows a read on ``now`` may not trust, and those without a row."""
    ids = list(db.scalars(_STALE, {"now": now}))
    if db.scalar(_MISSING):
        ids.extend(db.scalars(_WITHOUT))
    return ids


def refresh_due(db: Session, now: datetime) -> int:
    """Refresh the rows a read on ``now`` may not trust, and fill the missing ones.

    A read-only session (a GET request) finds them and has them written in a transaction
    of their own, gate first, so that of many readers finding the same rows due, the
    first refreshes them and the others find nothing left to do.
    """
    if not any_due(db, now):
        return 0
    if is_read_only(db):
        return write_apart(db, lambda other: refresh_stages(other, due_ids(other, now), now))
    return refresh_stages(db, due_ids(db, now), now)


def _noted(session: Session) -> set[int]:
    found: set[int] = session.info.setdefault(_NOTED, set())
    return found


def note_flush(session: Session) -> None:
    """Note the cases whose stage records this flush wrote (``after_flush``)."""
    noted = _noted(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Case):
            noted.add(obj.id)
        elif isinstance(obj, CaseVersion | Assessment | Appointment):
            noted.add(obj.case_id)


def _ids_in(clause: Any) -> set[int]:
    """The case ids a WHERE clause names as ``cases.id = :value`` (none: unknown)."""
    id_column = Case.__table__.c.id
    if clause is None:
        return set()
    return {
        int(node.right.effective_value)
        for node in visitors.iterate(clause)
        if isinstance(node, BinaryExpression)
        and node.operator is operators.eq
        and isinstance(node.right, BindParameter)
        and isinstance(node.right.effective_value, int)
        and getattr(node.left, "table", None) is id_column.table
        and getattr(node.left, "key", None) == "id"
    }


def note_execute(state: ORMExecuteState) -> None:
    """Note the cases an ORM bulk UPDATE, DELETE or INSERT changes (``do_orm_execute``)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)  # ORM: annotated
    if table == Case.__tablename__:
        ids = _ids_in(getattr(state.statement, "whereclause", None))
        _noted(state.session).update(ids)
        if not ids:
            state.session.info[_EVERY] = True
    elif table in _BY_CASE_ID:
        state.session.info[_EVERY] = True


def _clock(session: Session) -> datetime:
    found = session.info.get(CLINIC_NOW)
    if isinstance(found, datetime):
        return found
    from kypho.config import Settings

    return datetime.now(Settings().time_zone)


def refresh_noted(session: Session) -> None:
    """Refresh the noted cases' rows in the committing transaction (``before_commit``)."""
    session.flush()
    every = session.info.pop(_EVERY, False)
    ids = session.info.pop(_NOTED, set())
    if every:
        session.execute(delete(CaseStageRow))
    elif ids:
        refresh_stages(session, ids, _clock(session))


@lru_cache(maxsize=4096)
def _reasons(text: str) -> tuple[str, ...]:
    """A stored row's overdue reasons (JSON text; the same text, the same reasons)."""
    return tuple(json.loads(text))


def held_stage(values: tuple[Any, ...], now: datetime) -> CaseStage | None:
    """The stage a stored row's ``STAGE_COLUMNS`` values say, if that row holds on ``now``
    (None: no row, or one a read on ``now`` may not trust: ``case_stage`` computes it)."""
    stage, action, reasons, computed_for, valid_until = values
    if stage is None or computed_for > now or (valid_until is not None and valid_until <= now):
        return None
    return CaseStage(stage=Stage(stage), next_action=action, overdue=_reasons(reasons))


def case_stage(db: Session, case_pk: int, now: datetime) -> CaseStage | None:
    """Case ``case_pk``'s stage as the worklist shows it: its stored row while that row
    holds on ``now``, else computed from the records (None: no such case)."""
    row = read_rows(db, _STAGE_OF, {"pk": case_pk}).first()  # Core: plain columns
    found = held_stage(tuple(row), now) if row is not None else None
    if found is not None:
        return found
    from kypho.store.worklist import case_rows  # it imports this module's callers

    rows = case_rows(db, today=now.date(), now=now, only=case_pk)
    return rows[0].stage if rows else None
