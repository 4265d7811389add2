"""``/api/cases/{case_pk}/follow-up``: the visits and outcomes; record a visit.

The outcomes are ``kypho outcomes --format json``'s, as of today in the clinic. A
recorded visit is a new case version (409 on a stale ``expected_version``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from kypho.casefile import case_to_dict
from kypho.documents import to_json
from kypho.store.audit import Actor
from kypho.store.cases import get_case
from kypho.store.follow_up import add_visit, outcomes_of
from kypho.web.deps import DbSession
from kypho.web.routes.appointments import Now
from kypho.web.row_ids import RowVersion
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["follow-up"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Recorder = Annotated[Actor, Depends(require(Permission.RECORD_FOLLOW_UP))]


class VisitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visit: dict[str, Any] = Field(description="One follow_up entry, as in the case file.")
    expected_version: RowVersion = Field(description="The case version this visit is added to.")


@router.get("/cases/{case_pk}/follow-up")
def follow_up(case_pk: int, actor: Reader, db: DbSession, now: Now) -> dict[str, Any]:
    stored = get_case(db, actor, case_pk)
    report, note = outcomes_of(stored, on=now.date())
    return {
        "id": stored.row.id,
        "case_ref": stored.row.case_ref,
        "version": stored.version,
        "visits": case_to_dict(stored.case).get("follow_up", []),
        "outcomes": json.loads(to_json(report)) if report is not None else None,
        "outcomes_note": note,
    }


@router.post("/cases/{case_pk}/follow-up", status_code=201)
def record_follow_up(
    case_pk: int, body: VisitBody, actor: Recorder, db: DbSession, now: Now
) -> dict[str, Any]:
    added = add_visit(
        db, actor, case_pk, body.visit, expected_version=body.expected_version, on=now.date()
    )
    visit = added.stored.case.follow_up[added.index] if added.stored.case.follow_up else None
    return {
        "id": added.stored.row.id,
        "version": added.stored.version,
        "index": added.index,
        "visit_date": visit.visit_date.isoformat() if visit else None,
    }
