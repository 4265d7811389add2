"""The fracture-liaison queue ``/liaison``: fractures with no osteoporosis care recorded yet.

A case is listed while it is open, records a fracture, and its case file's continuum of
care (``bmd_referral_with_education``, ``osteoporosis_program_instruction``) is not
recorded as done. The next action uses the pathway's own osteoporosis steps
(``kypho.pathway.schedule.OSTEOPOROSIS_STEPS``): a DXA referral first, then treatment;
a patient already treated is called. Below them, the findings of archive screening
imported with ``kypho db import-worklist`` (``kypho.store.screening_findings``), by
priority, each with its thumbnail: screening results to review, never diagnoses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kypho.pathway.schedule import OSTEOPOROSIS_STEPS
from kypho.store.audit import Actor, record_event
from kypho.store.screening_findings import finding_thumbnail, list_findings
from kypho.store.stages import Stage
from kypho.store.worklist import CaseRow, case_rows
from kypho.web.deps import DbSession, Now
from kypho.web.render import render
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
SOURCE = "LCD L34106 inclusion I-4 (continuum of care), clinical-reference.md 1.2 and 1.7"
_TREATED = (Stage.TREATED, Stage.FOLLOW_UP_DUE)
_BMD, _EDUCATION, _PROGRAM = OSTEOPOROSIS_STEPS


@dataclass(frozen=True, slots=True, kw_only=True)
class LiaisonItem:
    row: CaseRow
    kind: str  # "DXA", "treatment" or "call"
    action: str
    reason: str


def _state(value: object) -> str:
    return "recorded as not done" if value is False else "not recorded"


def liaison_item(row: CaseRow) -> LiaisonItem | None:
    """The next osteoporosis step for one case, or None when none is due."""
    if not row.has_fracture or row.stage.stage is Stage.CLOSED:
        return None
    bmd = row.continuum.get("bmd_referral_with_education")
    program = row.continuum.get("osteoporosis_program_instruction")
    if bmd is True and program is True:
        return None
    if bmd is not True:
        kind, action = "DXA", f"{_BMD}, with {_EDUCATION.lower()}"
        reason = f"fracture; BMD referral with education {_state(bmd)}"
    else:
        kind, action = "treatment", _PROGRAM
        reason = f"fracture; osteoporosis program instruction {_state(program)}"
    if row.stage.stage in _TREATED:
        kind, action = "call", f"Call the patient: {action[0].lower()}{action[1:]}"
        reason += "; the procedure is done"
    return LiaisonItem(row=row, kind=kind, action=action, reason=reason)


@router.get("/liaison")
def liaison_page(request: Request, db: DbSession, actor: Reader, now: Now) -> Response:
    rows = case_rows(db, today=now.date(), now=now)
    items = [i for i in (liaison_item(r) for r in rows) if i is not None]
    items.sort(key=lambda i: (i.kind != "call", i.row.case_pk))
    findings = list_findings(db)
    record_event(db, actor, action="list", record_type="case", record_id="liaison",
                 detail=f"{len(items)} cases, {len(findings)} screening findings")  # fmt: skip
    context = {"items": items, "source": SOURCE, "findings": findings}
    return render(request, "worklist/liaison.html", context)


@router.get("/liaison/findings/{finding_id:int}/thumbnail.png")
def finding_picture(finding_id: int, db: DbSession, actor: Reader) -> Response:
    png = finding_thumbnail(db, actor, finding_id)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})
