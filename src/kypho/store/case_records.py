"""One record that belongs to a case (a plan, a measurement, an issued document), read audited."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from kypho.errors import NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.models import IssuedDocument, Measurement, Plan

Record = TypeVar("Record", Plan, Measurement, IssuedDocument)


def get_case_record(
    db: Session, actor: Actor, model: type[Record], *, case_pk: int, record_id: int, name: str
) -> Record:
    """Row ``record_id`` of ``model`` if it belongs to case ``case_pk``; the read is audited.

    ``name`` is the record type as messages and the audit trail call it ("plan"...).
    """
    row = db.get(model, record_id)
    if row is None or row.case_id != case_pk:
        raise NotFound(f"{name} {record_id}: no such {name} of case {case_pk}")
    record_event(db, actor, action="read", record_type=name, record_id=record_id,
                 case_id=case_pk)  # fmt: skip
    return row
