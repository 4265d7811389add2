"""Correct a patient's details in the JSON API: ``PUT /api/patients/{id}``.

Each rule broken is a 422 naming the field; an MRN on file for someone else says only
that it is in use. The change is audited with the changed field names, never values, and
kept as a new version (``patient_versions``). ``expected_version`` (the ``version`` that
``GET /api/patients/{id}`` showed) is required, as ``PUT /api/cases/{id}`` requires it: a
body without it is a 422 naming the field (checking it against whatever is stored when it
arrives would silently overwrite a save made since), and a stale one is a 409 naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from kypho.store.audit import Actor
from kypho.store.cases import PatientDetails
from kypho.store.patients import update_patient
from kypho.web.deps import DbSession, Now
from kypho.web.row_ids import RowVersion
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["patients"])

Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]
VERSION_EXPECTED = "the version number that GET /api/patients/<id> showed"


class _NotSent:
    """Stands in for ``expected_version`` left out of a body (``repr``: what was found)."""

    def __repr__(self) -> str:
        return "none"


NOT_SENT = _NotSent()


def _sent(value: object) -> object:
    """A left-out version is refused saying what was expected, not "Field required" with
    the whole body (its name and MRN) as what was found."""
    if value is NOT_SENT:
        raise PydanticCustomError("missing", VERSION_EXPECTED)
    return value


class PatientIn(BaseModel):
    """The whole of a patient's details; ``birth_date`` null means not known."""

    model_config = ConfigDict(extra="forbid")

    name: str
    mrn: str
    birth_date: date | None
    expected_version: Annotated[RowVersion, BeforeValidator(_sent)] = Field(
        description="The version of the details this correction is based on."
    )

    @model_validator(mode="before")
    @classmethod
    def _version_left_out(cls, data: Any) -> Any:
        if isinstance(data, dict) and "expected_version" not in data:
            return {**data, "expected_version": NOT_SENT}
        return data


@router.put("/patients/{patient_id:int}")
def correct(
    patient_id: int, body: PatientIn, db: DbSession, actor: Editor, now: Now
) -> dict[str, Any]:
    """Store the corrected details; ``changed`` lists the fields that differed (else 409)."""
    details = PatientDetails(name=body.name, mrn=body.mrn, birth_date=body.birth_date)
    changed = update_patient(db, actor, patient_id, details, today=now.date(),
                             expected_version=body.expected_version)  # fmt: skip
    return {"id": patient_id, "changed": list(changed)}
