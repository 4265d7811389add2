"""The procedure date against the case's chronology and the engine's procedure window.

A procedure date before a fracture's symptom onset, before the latest imaging the plan
relies on, or before the assessment date is bad input (``InvalidInput`` naming the
option). A date outside the window is a plan with warnings naming exactly the criteria
that fail on that date, and whether each is *not yet held* or *no longer holds*.
"""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.imaging import ImagingStudy
from kypho.domain.levels import Level
from kypho.errors import InvalidInput
from kypho.rules.types import ProcedureWindow, WindowConstraint

CASE_FILE_DATE = "procedure.procedure_date (case file)"
# A plan is for a procedure within a year of the assessment (project convention: every
# imaging and fracture-age criterion of the bundled policies is far shorter than a year).
MAX_DAYS_AHEAD = 365
NO_WINDOW = "the candidacy engine gave no procedure window; check timing criteria by hand"


def relied_imaging(case: Case, levels: tuple[Level, ...]) -> ImagingStudy | None:
    """The latest dated study with a finding at a level to treat (else the latest dated one)."""
    dated = [s for s in case.imaging or () if s.study_date is not None]
    at_levels = [s for s in dated if any(s.finding(lv) is not None for lv in levels)]
    pool = at_levels or dated
    return max(pool, key=lambda s: s.study_date or date.min) if pool else None


def check_procedure_date(
    case: Case, levels: tuple[Level, ...], day: date, *, on: date, option: str
) -> None:
    """Raise ``InvalidInput`` naming ``option`` if ``day`` comes before what it must follow."""
    fractures = [f for f in case.fractures or () if not levels or f.level in levels]
    for fracture in fractures:
        onset = fracture.symptom_onset_date
        if onset is not None and day < onset:
            raise InvalidInput(
                f"{option}: expected a procedure date on or after the symptom onset at "
                f"{fracture.level} ({onset}); got {day}"
            )
    study = relied_imaging(case, levels)
    if study is not None and study.study_date is not None and day < study.study_date:
        raise InvalidInput(
            f"{option}: expected a procedure date on or after {study.label}, the latest imaging "
            f"the plan relies on; got {day}"
        )
    if day < on:
        raise InvalidInput(
            f"{option}: expected a procedure date on or after the assessment date {on} (--on); "
            f"got {day}"
        )
    if (day - on).days > MAX_DAYS_AHEAD:
        raise InvalidInput(
            f"{option}: expected a procedure date within {MAX_DAYS_AHEAD} days of the "
            f"assessment date {on} (--on); got {day}"
        )


def failing_on(window: ProcedureWindow, day: date) -> tuple[tuple[WindowConstraint, str], ...]:
    """Each constraint that fails on ``day``, with "not yet held" or "no longer holds"."""
    failing = []
    for c in window.constraints:
        if c.earliest is not None and day < c.earliest:
            failing.append((c, "not yet held"))
        elif c.latest is not None and day > c.latest:
            failing.append((c, "no longer holds"))
    return tuple(failing)


def _span(c: WindowConstraint) -> str:
    return f"holds from {c.earliest or 'any date'} to {c.latest or 'any date'}"


def _failure(c: WindowConstraint, why: str, day: date) -> str:
    if why == "not yet held":
        return f"{c.text}: not yet held on {day} (holds from {c.earliest})"
    return f"{c.text}: no longer holds on {day} (held until {c.latest}); {c.redo_after}"


def closed_warning(window: ProcedureWindow, *, on: date) -> str | None:
    """Why no procedure date satisfies the timing criteria, or ``None`` if one does."""
    spans = "; ".join(f"{c.text} {_span(c)}" for c in window.constraints)
    if window.latest is not None and window.latest < on:
        return (
            f"the procedure window is closed: it ended on {window.latest}, before the assessment "
            f"date {on} ({spans})"
        )
    if window.empty:
        return f"the procedure window is closed: no date meets every timing criterion ({spans})"
    return None


def window_warnings(window: ProcedureWindow | None, day: date | None, *, on: date) -> list[str]:
    """Warnings about the procedure date against the engine's window."""
    if window is None:
        return [NO_WINDOW]
    closed = closed_warning(window, on=on)
    if closed is not None:
        return [closed]
    if day is None or window.contains(day):
        return []
    failures = [_failure(c, why, day) for c, why in failing_on(window, day)]
    head = (
        f"procedure date {day} is outside the window {window.earliest or 'open'} to "
        f"{window.latest or 'open'}"
    )
    return [head + ": " + ("; ".join(failures) or "no single timing criterion was named")]
