"""Stored assessments: each policy's decision on one case version, as of one date.

A stored decision is reproducible: the row keeps the case version, the policy id and
version and the as-of date, and its ``result`` is exactly what ``kypho assess --format
json`` prints for that assessment (``kypho.rules.report.assessment_to_dict``), so
assessing the same version under the same policy on the same date gives the same text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kypho.errors import NotFound
from kypho.rules import Assessment as RuleAssessment
from kypho.rules import Policy
from kypho.rules.report import assessment_to_dict
from kypho.store.audit import Actor, record_event
from kypho.store.cases import StoredCase
from kypho.store.models import Assessment, Case
from kypho.store.row_memo import as_json, cached, chunks, memo_of


def assessment_text(assessment: RuleAssessment) -> str:
    """The stored form of one assessment: the CLI's JSON object for it, compact."""
    return json.dumps(assessment_to_dict(assessment), ensure_ascii=False, sort_keys=True)


def assess_and_store(
    db: Session, actor: Actor, stored: StoredCase, policies: Sequence[Policy], *, on: date
) -> list[Assessment]:
    """Assess ``stored`` under every policy as of ``on`` and keep one row per policy."""
    from kypho.workflows.assess import assess_case

    found = assess_case(stored.case, policies, on=on, source=f"case {stored.row.id}")
    rows = [
        Assessment(
            case_id=stored.row.id,
            case_version=stored.version,
            policy_id=assessment.policy_id,
            policy_version=policy.version,
            on_date=on,
            decision=assessment.verdict,
            result=assessment_text(assessment),
            created_by=actor.user_id,
        )
        for policy, assessment in zip(policies, found.assessments, strict=True)
    ]
    db.add_all(rows)
    db.flush()
    ids = ",".join(p.id for p in policies)
    record_event(db, actor, action="assess", record_type="case", record_id=stored.row.id,
                 case_id=stored.row.id, detail=f"version {stored.version}; policies {ids}; "
                 f"on {on.isoformat()}")  # fmt: skip
    return rows


def latest_ids_query(case_ids: Iterable[int] | None) -> Any:
    latest = select(func.max(Assessment.id)).group_by(Assessment.case_id, Assessment.policy_id)
    if case_ids is not None:
        latest = latest.where(Assessment.case_id.in_(list(case_ids)))
    return latest


def latest_assessments(db: Session, case_pk: int) -> list[Assessment]:
    """The newest stored assessment of each policy for one case (not audited: the caller's
    read of the case is), in policy order of first assessment."""
    rows = db.scalars(select(Assessment).where(Assessment.id.in_(latest_ids_query([case_pk]))))
    firsts = _first_seen(db, case_pk)
    return sorted(rows, key=lambda r: firsts.get(r.policy_id, 0))


def _first_seen(db: Session, case_pk: int) -> dict[str, int]:
    firsts = db.execute(
        select(Assessment.policy_id, func.min(Assessment.id))
        .where(Assessment.case_id == case_pk)
        .group_by(Assessment.policy_id)
    )
    return {row[0]: row[1] for row in firsts}


def assessment_history(db: Session, case_pk: int) -> list[Assessment]:
    """Every stored assessment of a case, oldest first."""
    return list(
        db.scalars(select(Assessment).where(Assessment.case_id == case_pk).order_by(Assessment.id))
    )


def list_assessments(db: Session, actor: Actor, case_pk: int) -> list[Assessment]:
    """Every stored assessment of a case, oldest first; the read is audited."""
    if db.get(Case, case_pk) is None:
        raise NotFound(f"case {case_pk}: no such case")
    rows = assessment_history(db, case_pk)
    record_event(db, actor, action="list", record_type="assessment", record_id=case_pk,
                 case_id=case_pk, detail=f"{len(rows)} assessments")  # fmt: skip
    return rows


def result_of(row: Assessment) -> dict[str, Any]:
    """The stored assessment JSON of ``row``, as data."""
    data: dict[str, Any] = json.loads(row.result)
    return data


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    """A document a decision needed: open while the latest assessment still misses it."""

    document: str
    open: bool
    policies: tuple[str, ...]  # the policies whose latest assessment still needs it


def missing_checklist(
    history: Sequence[Assessment], latest: Sequence[Assessment]
) -> list[ChecklistItem]:
    """Every document any stored assessment of the case missed, open ones first.

    An item closes once no policy's latest assessment misses it any more (the data arrived).
    """
    missed = [tuple(m["document"] for m in result_of(row)["missing"]) for row in history]
    return _checklist(missed, [(row.policy_id, result_of(row)) for row in latest])


def _checklist(
    missed: Iterable[tuple[str, ...]], latest: Iterable[tuple[str, dict[str, Any]]]
) -> list[ChecklistItem]:
    """The checklist from what each stored assessment missed (oldest first) and the latest
    assessments (policy id, result), in the order ``missing_checklist`` documents."""
    needed: dict[str, list[str]] = {}
    for policy_id, data in latest:
        for m in data["missing"]:
            needed.setdefault(m["document"], []).append(policy_id)
    seen = dict.fromkeys(d for documents in missed for d in documents)
    items = [
        ChecklistItem(
            document=d, open=d in needed, policies=tuple(dict.fromkeys(needed.get(d, ())))
        )
        for d in {**seen, **dict.fromkeys(needed)}
    ]
    return sorted(items, key=lambda i: not i.open)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseDecisions:
    """What the case page shows of a case's stored assessments."""

    latest: list[tuple[Assessment, dict[str, Any]]]  # (row, its result), policy order
    checklist: list[ChecklistItem]
    ids: tuple[int, ...] = ()  # every stored assessment's id, oldest first: what was read


def case_decisions(db: Session, case_pk: int) -> CaseDecisions:
    """The newest stored assessment of each policy (in policy order of first assessment)
    with its result, and the missing-documents checklist (``missing_checklist``'s), in
    three indexed queries: each older assessment's missed documents are read once
    (``kypho.store.row_memo``: stored assessments never change). Not audited."""
    ids = db.execute(
        select(Assessment.id, Assessment.policy_id)
        .where(Assessment.case_id == case_pk)
        .order_by(Assessment.id)
    ).all()
    last: dict[str, int] = {}
    for aid, policy_id in ids:
        last.setdefault(policy_id, aid)  # first seen: the policy's place in the order
    for aid, policy_id in ids:
        last[policy_id] = aid  # keeps the first-seen order, ends on the newest
    rows = {r.id: r for r in db.scalars(select(Assessment).where(Assessment.id.in_(last.values())))}
    latest = [(rows[aid], result_of(rows[aid])) for aid in last.values()]
    known = {row.id: _documents(data) for row, data in latest}
    known |= _missed_documents(db, [aid for aid, _ in ids if aid not in known])
    checklist = _checklist((known[aid] for aid, _ in ids), ((r.policy_id, d) for r, d in latest))
    return CaseDecisions(latest=latest, checklist=checklist, ids=tuple(aid for aid, _ in ids))


def _documents(data: dict[str, Any]) -> tuple[str, ...]:
    return tuple(m["document"] for m in data["missing"])


def _missed_documents(db: Session, assessment_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The documents each stored assessment missed (memoised: the rows never change)."""
    memo = memo_of(db)
    found: dict[int, tuple[str, ...]] = cached(memo, "missed", assessment_ids)
    missing = [a for a in assessment_ids if a not in found]
    column = as_json(db, Assessment.result)[("missing",)]
    for chunk in chunks(missing):
        for aid, missed in db.execute(
            select(Assessment.id, column).where(Assessment.id.in_(chunk))
        ):
            found[aid] = memo[("missed", aid)] = tuple(m["document"] for m in missed or ())
    return found
