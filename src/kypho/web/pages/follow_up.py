"""``/cases/{case_pk}/follow-up``: record a visit; pain and function beside the trials.

A visit is appended to the case file's ``follow_up`` and saved as a new case version;
the outcomes are ``kypho outcomes``' (``kypho.workflows.outcomes.case_outcomes``) as of
today. The chart is inline SVG drawn here from the report's numbers, with the same
numbers in a table for those who cannot see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kypho.domain import AnalgesicUse, Level, OsteoporosisTreatment
from kypho.errors import Conflict
from kypho.pathway import Measure, OutcomeReport
from kypho.store.audit import Actor
from kypho.store.cases import get_case
from kypho.store.follow_up import VisitError, add_visit, outcomes_of
from kypho.web.deps import DbSession
from kypho.web.render import render
from kypho.web.routes.appointments import Now
from kypho.web.row_ids import form_version
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission, allowed

router = APIRouter(tags=["pages"], include_in_schema=False)

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Recorder = Annotated[Actor, Depends(require(Permission.RECORD_FOLLOW_UP))]
FRACTURE_ROWS = 3  # new-fracture rows on the form: project convention
NUMBERS = ("nrs", "odi_pct", "rdq", "bed_days_per_month")
CHOICES = ("analgesic_use", "osteoporosis_treatment")
SCALE_MAX = {Measure.NRS: 10.0, Measure.ODI: 100.0}  # the instruments' ranges (domain.symptoms)
WIDTH_PX, HEIGHT_PX, LEFT_PX, BOTTOM_PX, TOP_PX = 640, 220, 44, 30, 12
MIN_SPAN_DAYS = 400  # the chart shows at least the first year (project convention)


@dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    days: int
    value: float
    label: str
    x: float
    y: float


def _xy(days: int, value: float, span_days: int, top: float) -> tuple[float, float]:
    plot_w, plot_h = WIDTH_PX - LEFT_PX - 10, HEIGHT_PX - BOTTOM_PX - TOP_PX
    x = LEFT_PX + plot_w * days / span_days
    y = TOP_PX + plot_h * (1 - value / top)
    return round(x, 1), round(y, 1)


def _point(days: int, value: float, label: str, span_days: int, top: float) -> Point:
    x, y = _xy(days, value, span_days, top)
    return Point(days=days, value=round(value, 1), label=label, x=x, y=y)


def _points(report: OutcomeReport, measure: Measure, span: int) -> tuple[list[Point], list[Point]]:
    """(the patient's points, one point per trial and time point at its target day)."""
    top = SCALE_MAX[measure]
    base = next(b for b in report.baseline if b.measure is measure)
    patient = [] if base.points is None else [
        _point(0, base.points, f"baseline {base.points:g}", span, top)
    ]  # fmt: skip
    trials: dict[str, Point] = {}
    for visit in report.visits:
        change = next(c for c in visit.changes if c.measure is measure)
        if change.visit_points is not None:
            label = f"{visit.visit_date}: {change.visit_points:g}"
            patient.append(_point(visit.days_after, change.visit_points, label, span, top))
        for b in change.benchmarks:
            start = base.points if base.points is not None else b.baseline_points
            key = f"{b.trial} at {b.time_point.label}"
            if start is None or key in trials:
                continue
            value = max(0.0, start - b.improvement_points)
            days = (b.time_point.target(report.procedure_date) - report.procedure_date).days
            trials[key] = _point(days, value, f"{key}: {value:.1f}", span, top)
    return patient, list(trials.values())


def chart(report: OutcomeReport, measure: Measure) -> dict[str, Any]:
    """The patient's values (baseline at day 0) and each matched trial figure, placed.

    A trial figure is drawn as what it would mean for this patient: the patient's
    baseline minus the trial's mean improvement, or, with no baseline, the trial's own
    mean (its baseline minus its improvement) when the trial gives one.
    """
    top = SCALE_MAX[measure]
    span = max([MIN_SPAN_DAYS, *(v.days_after + 30 for v in report.visits)])
    patient, trials = _points(report, measure, span)
    ticks = [(round(top * i / 5, 1), _xy(0, top * i / 5, span, top)[1]) for i in range(6)]
    months = [(m, _xy(round(m * 30.44), 0, span, top)[0]) for m in range(0, span // 30 + 1, 3)]
    return {
        "measure": measure.value, "top": top, "patient": patient, "trials": trials,
        "line": " ".join(f"{p.x},{p.y}" for p in patient), "ticks": ticks, "months": months,
        "width": WIDTH_PX, "height": HEIGHT_PX, "left": LEFT_PX, "bottom": HEIGHT_PX - BOTTOM_PX,
    }  # fmt: skip


def _page(
    request: Request,
    db: Session,
    actor: Actor,
    case_pk: int,
    today: date,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    stored = get_case(db, actor, case_pk)
    report, note = outcomes_of(stored, on=today)
    charts = [chart(report, m) for m in (Measure.NRS, Measure.ODI)] if report else []
    context = {
        "stored": stored,
        "today": today,
        "visits": stored.case.follow_up or (),
        "report": report,
        "note": note,
        "charts": charts,
        "analgesics": [a.value for a in AnalgesicUse],
        "treatments": [t.value for t in OsteoporosisTreatment],
        "levels": [lv.value for lv in Level],
        "rows": range(1, FRACTURE_ROWS + 1),
        "can_record": allowed(actor.role, Permission.RECORD_FOLLOW_UP),
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "follow_up/page.html", context, status=status)


@router.get("/cases/{case_pk}/follow-up")
def follow_up_page(
    request: Request, case_pk: int, actor: Reader, db: DbSession, now: Now
) -> Response:
    return _page(request, db, actor, case_pk, now.date())


def _number(text: str) -> int | float | str:
    """A typed number as JSON would carry it; anything else stays text (the check names it)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def visit_from_form(typed: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the visit as case-file JSON, {visit field path: form field}) from the typed form."""
    visit: dict[str, Any] = {"date": typed.get("date", "").strip()}
    fields = {"date": "date"}
    for name in (*NUMBERS, *CHOICES):
        fields[name] = name
        if value := typed.get(name, "").strip():
            visit[name] = _number(value) if name in NUMBERS else value
    lines = [line.strip() for line in typed.get("complications", "").splitlines() if line.strip()]
    if lines or typed.get("no_complications"):
        visit["complications"] = lines
    levels: list[str] = []
    events: list[dict[str, str]] = []
    for row in range(1, FRACTURE_ROWS + 1):
        level = typed.get(f"fracture_level_{row}", "").strip()
        day = typed.get(f"fracture_date_{row}", "").strip()
        if not level and not day:
            continue
        fields[f"new_fractures[{len(levels)}]"] = f"fracture_level_{row}"
        fields[f"new_fracture_events[{len(events)}].level"] = f"fracture_level_{row}"
        levels.append(level)
        if day:
            fields[f"new_fracture_events[{len(events)}].date"] = f"fracture_date_{row}"
            events.append({"level": level, "date": day})
    if levels or typed.get("no_new_fractures"):
        visit["new_fractures"] = levels
    if events:
        visit["new_fracture_events"] = events
    return visit, fields


@router.post("/cases/{case_pk}/follow-up")
async def record_visit(
    request: Request, case_pk: int, actor: Recorder, db: DbSession, now: Now
) -> Response:
    form = await request.form()
    typed = {str(k): str(v) for k, v in form.items() if k != "csrf_token"}
    visit, fields = visit_from_form(typed)
    version = form_version(typed.get("expected_version", "").strip())
    if version is None:
        found = typed.get("expected_version", "").strip()
        shown = f'"{found[:20]}"' if found else "none"
        message = (f"expected the case version the form was opened at, got {shown}; "
                   "reload the page and enter the visit again")  # fmt: skip
        return _page(request, db, actor, case_pk, now.date(), errors={"form": message},
                     typed=typed, status=422)  # fmt: skip
    try:
        add_visit(db, actor, case_pk, visit, expected_version=version, on=now.date())
    except (VisitError, Conflict) as err:
        db.rollback()
        if isinstance(err, VisitError):
            field = fields.get(err.field, fields.get(err.field.split(".")[0], err.field))
            errors, status = {field or "date": err.text}, 422
        else:
            errors, status = {"form": str(err)}, 409 if isinstance(err, Conflict) else 422
        return _page(
            request, db, actor, case_pk, now.date(), errors=errors, typed=typed, status=status
        )
    return RedirectResponse(f"/cases/{case_pk}/follow-up", status_code=303)
