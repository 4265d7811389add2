"""Write to the audit trail: in the transaction of the change it records, or, for a read
in a read-only session (a GET request), grouped with other reads' rows before the answer
is sent (``kypho.store.write_gate``).

``detail`` must never carry a name, MRN, birth date or free text typed by a user: ids,
versions, policy ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kypho.store.base import utcnow
from kypho.store.models.audit import AuditEvent
from kypho.store.write_gate import defer_insert


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
    """Append one audit event (with the caller's transaction, or kept aside if read-only)."""
    values = {
        "at": utcnow(),
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role,
        "action": action,
        "record_type": record_type,
        "record_id": str(record_id),
        "case_id": case_id,
        "ip": actor.ip,
        "detail": detail,
    }
    if not defer_insert(db, AuditEvent, values):
        db.add(AuditEvent(**values))
