"""Build the patient documents of a plan: consent, discharge sheet, recovery calendar.

``build_documents`` is pure: it returns the bytes of each requested document, keyed by
where it should go; ``write_documents`` then writes all of them or none. Clinic name,
phone and time zone come from ``Settings``; the moment of generation is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from kypho.config import Settings
from kypho.documents import (
    ClinicContact,
    consent_document,
    discharge_document,
    render_html,
    render_ics,
    render_pdf,
)
from kypho.errors import InvalidInput
from kypho.pathway.schedule import pathway_for_plan
from kypho.planning import ProcedurePlan

# When no end time is given, the procedure is taken to start at 08:00 (project convention)
# and to end after the plan's longest duration.
DEFAULT_START = time(8, 0)


class DocumentKind(StrEnum):
    CONSENT = "consent"
    DISCHARGE = "discharge"
    CALENDAR = "calendar"


SUFFIXES: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.CONSENT: (".pdf", ".html"),
    DocumentKind.DISCHARGE: (".pdf", ".html"),
    DocumentKind.CALENDAR: (".ics",),
}


def check_suffixes(wanted: Mapping[DocumentKind, Path]) -> None:
    """Each requested path ends in a suffix its document can be written as."""
    for kind, path in wanted.items():
        allowed = SUFFIXES[kind]
        if path.suffix.lower() not in allowed:
            raise InvalidInput(
                f"--{kind.value}: expected a file ending in {' or '.join(allowed)}, "
                f"got {str(path)!r}"
            )


def procedure_end(
    plan: ProcedurePlan, *, ended_at: datetime | None, option: str = "--procedure-end"
) -> datetime:
    """When the procedure ended: given, or the plan's date at 08:00 plus its longest duration."""
    if ended_at is not None:
        day: date | None = plan.procedure_date
        if day is not None and ended_at.date() < day:
            raise InvalidInput(
                f"{option}: expected a time on or after the procedure date {day}, got {ended_at}"
            )
        return ended_at
    if plan.procedure_date is None:
        raise InvalidInput(
            "patient documents: expected a procedure date (--procedure-date or "
            f"procedure.procedure_date in the case file) or {option}; got neither"
        )
    start = datetime.combine(plan.procedure_date, DEFAULT_START)
    return start + timedelta(minutes=plan.duration_high_min)


def build_documents(
    plan: ProcedurePlan,
    wanted: Mapping[DocumentKind, Path],
    *,
    ended_at: datetime,
    settings: Settings,
    now: datetime,
) -> dict[Path, bytes]:
    """The bytes of each requested document, keyed by its path (nothing is written here).

    Raises ``InvalidInput`` for a refused plan: a refused plan has no patient documents.
    """
    if plan.refused:
        raise InvalidInput("patient documents: the plan was refused; no document is written")
    check_suffixes(wanted)
    clinic = ClinicContact(name=settings.clinic_name, phone=settings.clinic_phone)
    pathway = pathway_for_plan(plan, procedure_end=ended_at)
    files: dict[Path, bytes] = {}
    for kind, path in wanted.items():
        if kind is DocumentKind.CALENDAR:
            files[path] = render_ics(pathway, time_zone=settings.time_zone, now=now, clinic=clinic)
            continue
        doc = (
            consent_document(plan, clinic=clinic)
            if kind is DocumentKind.CONSENT
            else discharge_document(pathway, reference=plan.case_id, clinic=clinic)
        )
        as_pdf = path.suffix.lower() == ".pdf"
        files[path] = render_pdf(doc) if as_pdf else render_html(doc).encode("utf-8")
    return files
