"""What a 200 answer of a CDS service must look like: the CDS Hooks 2.0 response.

``cards``, each with a ``summary`` under 140 characters, an ``indicator`` (info, warning,
critical), a ``source`` with a ``label``, suggestions with labels (and a
``selectionBehavior`` beside them), links of type absolute or smart with a label and a
url; ``systemActions`` of type create, update or delete with a description. A 400 is
an OperationOutcome whose issue names the field (``expression``) its diagnostics begin
with.
"""

from __future__ import annotations

import json
from typing import Any

INDICATORS = ("info", "warning", "critical")  # CDS Hooks 2.0 card.indicator

__all__ = ["answer_fault", "outcome_fault"]


def _card_fault(card: Any) -> str | None:  # noqa: C901 - the spec's card fields in order
    if not isinstance(card, dict):
        return "a card that is not an object"
    summary = card.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) >= 140:
        return "card.summary not a text under 140 characters"
    if card.get("indicator") not in INDICATORS:
        return "card.indicator not info, warning or critical"
    source = card.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("label"), str):
        return "card.source without a label"
    suggestions = card.get("suggestions", [])
    if not isinstance(suggestions, list) or any(
        not isinstance(s, dict) or not isinstance(s.get("label"), str) for s in suggestions
    ):
        return "card.suggestions not a list of labelled suggestions"
    if suggestions and card.get("selectionBehavior") not in ("at-most-one", "any"):
        return "card.selectionBehavior missing beside suggestions"
    for link in card.get("links", []):
        if not isinstance(link, dict) or link.get("type") not in ("absolute", "smart"):
            return "card.links item without type absolute or smart"
        if not isinstance(link.get("url"), str) or not isinstance(link.get("label"), str):
            return "card.links item without label and url"
    return None


def answer_fault(doc: Any) -> str | None:
    """What is wrong with a 200 answer's shape (CDS Hooks 2.0 response), if anything."""
    if not isinstance(doc, dict) or not isinstance(doc.get("cards"), list):
        return "no cards list"
    for card in doc["cards"]:
        if fault := _card_fault(card):
            return fault
    actions = doc.get("systemActions", [])
    if not isinstance(actions, list):
        return "systemActions not a list"
    for action in actions:
        if not isinstance(action, dict) or action.get("type") not in ("create", "update", "delete"):
            return "a systemAction without type create, update or delete"
        if not isinstance(action.get("description"), str):
            return "a systemAction without a description"
    return None


def outcome_fault(body: str, fault_field: str) -> str | None:
    """What is wrong with a 400: not an OperationOutcome naming a field, or naming
    another field than ``fault_field`` (the oracle's; "" when it has none)."""
    try:
        doc = json.loads(body)
        issue = doc["issue"][0]
        named = issue["expression"][0]
        assert doc["resourceType"] == "OperationOutcome" and issue["severity"] == "error"
        assert isinstance(issue["diagnostics"], str) and issue["diagnostics"].startswith(named)
    except (ValueError, KeyError, IndexError, TypeError, AssertionError):
        return "a 400 without an OperationOutcome naming the field"
    if fault_field and not (named.startswith(fault_field) or fault_field.startswith(named)):
        return f"names {named}, the fault is in {fault_field}"
    return None
