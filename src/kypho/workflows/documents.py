"""Build the patient documents of a plan: consent, discharge sheet, recovery calendar.

``build_documents`` is pure: it returns the bytes of each requested document, keyed by
where it should go; ``write_documents`` then writes all of them or none. Clinic name,
phone and time zone come from ``Settings``; the moment of generation is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from kypho.config import Settings
from kypho.documents import (
    ClinicContact,
    PatientDocument,
    consent_document,
    discharge_document,
    render_html,
    render_ics,
    render_pdf,
)
from kypho.errors import InvalidInput
from kypho.pathway.schedule import pathway_for_plan
from kypho.planning import ProcedurePlan

# A procedure ends on its day or, late in the evening, on the next (project convention).
END_LATEST_DAYS_AFTER = 1
TIMED = "the discharge sheet and the calendar time every step from it"


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


def check_procedure_end(
    plan: ProcedurePlan, ended_at: datetime, *, option: str = "--procedure-end"
) -> datetime:
    """``ended_at`` if it lies on the plan's procedure date (or the night after it)."""
    day: date | None = plan.procedure_date
    if day is None:
        raise InvalidInput(
            "patient documents: expected a procedure date (--procedure-date or "
            "procedure.procedure_date in the case file); got neither"
        )
    latest = day + timedelta(days=END_LATEST_DAYS_AFTER)
    if not day <= ended_at.date() <= latest:
        raise InvalidInput(
            f"{option}: expected a time on the procedure date {day} (or the night after); "
            f"got {ended_at:%Y-%m-%dT%H:%M}"
        )
    return ended_at


def build_documents(
    plan: ProcedurePlan,
    wanted: Mapping[DocumentKind, Path],
    *,
    ended_at: datetime | None,
    settings: Settings,
    now: datetime,
) -> dict[Path, bytes]:
    """The bytes of each requested document, keyed by its path (nothing is written here).

    ``ended_at`` is when the procedure ended, as entered; the discharge sheet and the
    calendar need it (kypho never makes up a time). Raises ``InvalidInput`` for a refused
    plan: a refused plan has no patient documents.
    """
    if plan.refused:
        raise InvalidInput("patient documents: the plan was refused; no document is written")
    check_suffixes(wanted)
    timed = [k for k in wanted if k is not DocumentKind.CONSENT]
    if timed and ended_at is None:
        raise InvalidInput(
            f"--procedure-end: expected when the procedure ended (YYYY-MM-DDTHH:MM): {TIMED}; "
            "got none"
        )
    clinic = ClinicContact(name=settings.clinic_name, phone=settings.clinic_phone)
    files: dict[Path, bytes] = {}
    if DocumentKind.CONSENT in wanted:
        path = wanted[DocumentKind.CONSENT]
        files[path] = _rendered(consent_document(plan, clinic=clinic), path)
    if ended_at is None:  # the consent alone: it is dated by the plan, timed by nothing
        return files
    pathway = pathway_for_plan(plan, procedure_end=check_procedure_end(plan, ended_at))
    if DocumentKind.DISCHARGE in wanted:
        path = wanted[DocumentKind.DISCHARGE]
        doc = discharge_document(pathway, reference=plan.case_id, clinic=clinic)
        files[path] = _rendered(doc, path)
    if DocumentKind.CALENDAR in wanted:
        path = wanted[DocumentKind.CALENDAR]
        files[path] = render_ics(pathway, time_zone=settings.time_zone, now=now, clinic=clinic)
    return files


def _rendered(doc: PatientDocument, path: Path) -> bytes:
    return render_pdf(doc) if path.suffix.lower() == ".pdf" else render_html(doc).encode("utf-8")
