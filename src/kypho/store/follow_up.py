"""Follow-up visits: appended to the case file's ``follow_up`` list as a new case version.

A visit is checked the way the case file is (``kypho.casefile.parse_case``) before anything
is written; a refusal names the visit's own field (``nrs``, ``new_fracture_events[0].date``)
so a form can show it beside the input. The outcomes (``kypho.workflows.outcomes``) are
read, never stored: they follow from the case version and the date.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kypho.casefile import parse_case
from kypho.errors import InvalidInput
from kypho.pathway import OutcomeReport
from kypho.store.audit import Actor
from kypho.store.cases import StoredCase, get_case, save_case
from kypho.workflows.outcomes import case_outcomes

# "follow_up[3].nrs" (case file) or "follow_up 2026-12-20.nrs" (domain check) -> "nrs"
_VISIT_PREFIX = re.compile(r"^follow_up(?:\[\d+\]| \d{4}-\d{2}-\d{2})(?:\.|$)")


class VisitError(InvalidInput):
    """A visit refused; ``field`` is the visit's own field (``nrs``), ``text`` the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.text = message


def visit_field(error: InvalidInput) -> tuple[str, str]:
    """(the visit's field, reason) from a refusal of the case with the visit in it."""
    message = str(error)
    path = str(getattr(error, "field", "") or "")
    reason = message.split(f"{path}: ", 1)[-1] if path else message
    if _VISIT_PREFIX.match(path):
        return _VISIT_PREFIX.sub("", path) or "date", reason
    return path, reason


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitAdded:
    stored: StoredCase
    index: int  # the visit's place in follow_up


def add_visit(
    db: Session,
    actor: Actor,
    case_pk: int,
    visit: dict[str, Any],
    *,
    expected_version: int,
    on: date,
) -> VisitAdded:
    """Append ``visit`` (case-file JSON of one visit) and save; ``on`` is today in the clinic.

    ``VisitError`` names the visit's field; ``Conflict`` when ``expected_version`` is stale.
    """
    stored = get_case(db, actor, case_pk)
    doc = json.loads(stored.document)
    visits = list(doc.get("follow_up") or [])
    visits.append(visit)
    doc["follow_up"] = visits
    source = f"case {stored.row.case_ref}"
    try:
        case = parse_case(json.dumps(doc), source=source)
    except InvalidInput as err:
        raise VisitError(*visit_field(err)) from None
    added = case.follow_up[-1] if case.follow_up else None
    if added is not None and added.visit_date > on:
        raise VisitError(
            "date", f"expected a date on or before today ({on}), got {added.visit_date}"
        )
    saved = save_case(db, actor, case_pk, case, expected_version=expected_version,
                      note="follow-up visit")  # fmt: skip
    return VisitAdded(stored=saved, index=len(visits) - 1)


def outcomes_of(stored: StoredCase, *, on: date) -> tuple[OutcomeReport | None, str]:
    """The case's outcomes as of ``on`` (``kypho outcomes``), or None and why not."""
    if stored.case.procedure.procedure_date is None:
        return None, "no procedure date yet: outcomes are counted from the procedure"
    try:
        return case_outcomes(stored.case, procedure_date=None, on=on), ""
    except InvalidInput as err:
        return None, str(err)
