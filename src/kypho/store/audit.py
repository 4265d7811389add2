"""Write to the audit trail, in the same transaction as the read or change it records.

``detail`` must never carry a name, MRN, birth date or free text typed by a user: ids,
versions, policy ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kypho.store.models.audit import AuditEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who acts, from where: the signed-in user of a request (or a system job)."""

    user_id: int | None
    username: str
    role: str
    ip: str | None = None


SYSTEM = Actor(user_id=None, username="system", role="system")


def record_event(
    db: Session,
    actor: Actor,
    *,
    action: str,
    record_type: str,
    record_id: str | int,
    case_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one audit event (flushed with the caller's transaction)."""
    db.add(
        AuditEvent(
            user_id=actor.user_id,
            username=actor.username,
            role=actor.role,
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            case_id=case_id,
            ip=actor.ip,
            detail=detail,
        )
    )
