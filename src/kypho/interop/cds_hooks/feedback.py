"""Check a feedback call (CDS Hooks 2.0): what the clinician did with each card.

Every item is checked before anything is stored, so a malformed call stores nothing.
Stored per item: the card's uuid, ``accepted`` or ``overridden``, the accepted
suggestions' uuids, the override reason's code (system and code) and the outcome time.
The clinician's free-text comment is never stored (it may name the patient); only that
one was given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kypho.interop.cds_hooks.errors import BadHookRequest

OUTCOMES = ("accepted", "overridden")
MAX_ITEMS = 100  # project convention: one call reports a handful of cards


@dataclass(frozen=True, slots=True, kw_only=True)
class Feedback:
    card: str
    outcome: str
    accepted_suggestions: tuple[str, ...]
    override_reason: str | None  # "system|code"
    comment_given: bool
    outcome_timestamp: str

    def detail(self, service_id: str) -> str:
        """The audit detail: JSON, no free text, no identifier."""
        return json.dumps({
            "service": service_id, "card": self.card, "outcome": self.outcome,
            "acceptedSuggestions": list(self.accepted_suggestions),
            "overrideReason": self.override_reason, "commentGiven": self.comment_given,
            "outcomeTimestamp": self.outcome_timestamp,
        }, sort_keys=True)  # fmt: skip


def _text(value: object, field: str, expected: str = "a text") -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise BadHookRequest(field, f"expected {expected} (1-200 characters), got another value")
    return value


def _item(item: object, where: str) -> Feedback:
    if not isinstance(item, dict):
        raise BadHookRequest(where, "expected an object, got another value")
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        raise BadHookRequest(f"{where}.outcome", "expected 'accepted' or 'overridden', got another")
    accepted = item.get("acceptedSuggestions") or []
    if not isinstance(accepted, list):
        raise BadHookRequest(f"{where}.acceptedSuggestions", "expected a list, got another value")
    ids = tuple(
        _text(s.get("id") if isinstance(s, dict) else None, f"{where}.acceptedSuggestions[{i}].id")
        for i, s in enumerate(accepted)
    )
    if outcome == "accepted" and not ids:
        raise BadHookRequest(
            f"{where}.acceptedSuggestions", "expected the accepted suggestions, got none"
        )
    reason, comment = None, False
    override = item.get("overrideReason")
    if override is not None:
        if outcome != "overridden" or not isinstance(override, dict):
            raise BadHookRequest(
                f"{where}.overrideReason", "expected it only with 'overridden', as an object"
            )
        coding = override.get("reason")
        if coding is not None:
            if not isinstance(coding, dict):
                raise BadHookRequest(
                    f"{where}.overrideReason.reason", "expected a Coding, got another value"
                )
            code = _text(coding.get("code"), f"{where}.overrideReason.reason.code")
            reason = f"{coding.get('system', '')}|{code}"
        comment = bool(override.get("userComment"))
    return Feedback(
        card=_text(item.get("card"), f"{where}.card", "the card's uuid"),
        outcome=str(outcome),
        accepted_suggestions=ids,
        override_reason=reason,
        comment_given=comment,
        outcome_timestamp=_text(
            item.get("outcomeTimestamp"), f"{where}.outcomeTimestamp", "an instant"
        ),  # fmt: skip
    )


def parse_feedback(body: object) -> tuple[Feedback, ...]:
    """Every feedback item, checked (``BadHookRequest`` naming the first bad field)."""
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise BadHookRequest("feedback", "expected a list of feedback items, got none")
    items = body["feedback"]
    if not items or len(items) > MAX_ITEMS:
        raise BadHookRequest("feedback", f"expected 1-{MAX_ITEMS} items, got {len(items)}")
    return tuple(_item(item, f"feedback[{i}]") for i, item in enumerate(items))
