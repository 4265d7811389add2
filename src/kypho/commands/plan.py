"""``kypho plan`` and ``kypho outcomes``: parse, call the library, print, write documents."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kypho.commands._options import optional_date
from kypho.errors import InvalidInput

if TYPE_CHECKING:
    from kypho.planning import ProcedurePlan

DEFAULT_START = time(8, 0)  # assumed start when --procedure-end is not given


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def parse_datetime(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{option}: expected a date and time as YYYY-MM-DDTHH:MM, got {text!r}"
        ) from None


def _check_suffix(path: Path | None, option: str, allowed: tuple[str, ...]) -> None:
    if path is not None and path.suffix.lower() not in allowed:
        raise InvalidInput(
            f"{option}: expected a file ending in {' or '.join(allowed)}, got {str(path)!r}"
        )


def _render(sections: list[tuple[str, list[str]]], fmt: Format, json_text: str) -> str:
    from kypho.documents import as_markdown, as_text

    if fmt is Format.JSON:
        return json_text
    return as_markdown(sections) if fmt is Format.MARKDOWN else as_text(sections)


def _write_patient_documents(
    plan: ProcedurePlan, end: datetime, outputs: dict[str, Path | None]
) -> None:
    from kypho.documents import (
        consent_document,
        discharge_document,
        render_html,
        render_ics,
        render_pdf,
    )
    from kypho.pathway import recovery_pathway

    pathway = recovery_pathway(end)
    for key in ("consent", "discharge"):
        path = outputs[key]
        if path is not None:
            doc = consent_document(plan) if key == "consent" else discharge_document(pathway)
            if path.suffix.lower() == ".pdf":
                path.write_bytes(render_pdf(doc))
            else:
                path.write_text(render_html(doc), encoding="utf-8")
            typer.echo(f"wrote {key}: {path}", err=True)
    calendar = outputs["calendar"]
    if calendar is not None:
        calendar.write_bytes(render_ics(pathway))
        typer.echo(f"wrote calendar: {calendar}", err=True)


def _procedure_end(
    plan_date: date | None, end_text: str | None, duration_high_min: int
) -> datetime:
    end = parse_datetime(end_text, "--procedure-end")
    if end is not None:
        return end
    if plan_date is None:
        raise InvalidInput(
            "patient documents: expected a procedure date (--procedure-date or "
            "procedure.procedure_date in the case file) or --procedure-end; got neither"
        )
    return datetime.combine(plan_date, DEFAULT_START) + timedelta(minutes=duration_high_min)


CaseArg = Annotated[Path, typer.Argument(help="Case file (JSON).", dir_okay=False)]
DateOpt = Annotated[str | None, typer.Option("--procedure-date", help="Planned date, YYYY-MM-DD.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]


def plan_command(
    case_file: CaseArg,
    procedure_date: DateOpt = None,
    fmt: FormatOpt = Format.TEXT,
    policy: Annotated[str, typer.Option(help="Candidacy policy id.")] = "practice",
    on: Annotated[str | None, typer.Option(help="Assessment date (default today).")] = None,
    override: Annotated[str | None, typer.Option(help="Reason to plan a non-candidate.")] = None,
    consent: Annotated[Path | None, typer.Option(help="Write consent (.pdf or .html).")] = None,
    discharge: Annotated[Path | None, typer.Option(help="Write discharge (.pdf/.html).")] = None,
    calendar: Annotated[Path | None, typer.Option(help="Write recovery calendar (.ics).")] = None,
    procedure_end: Annotated[
        str | None, typer.Option(help="When the procedure ended, YYYY-MM-DDTHH:MM.")
    ] = None,
) -> None:
    """Plan the procedure (levels, approach, cement, codes, logistics, checklist, risks)."""
    from kypho.casefile import load_case
    from kypho.documents import plan_json, plan_sections
    from kypho.planning import build_plan
    from kypho.rules import assess, load_policy

    _check_suffix(consent, "--consent", (".pdf", ".html"))
    _check_suffix(discharge, "--discharge", (".pdf", ".html"))
    _check_suffix(calendar, "--calendar", (".ics",))
    day = optional_date("--procedure-date", procedure_date)
    assessed_on = optional_date("--on", on) or date.today()
    case = load_case(case_file)
    assessment = assess(case, load_policy(policy), on=assessed_on)
    plan = build_plan(case, assessment, procedure_date=day, override_reason=override)
    typer.echo(_render(plan_sections(plan), fmt, plan_json(plan)), nl=False)
    if plan.refused:
        typer.echo(
            "kypho: plan refused: the case is not a candidate (reasons above); "
            "pass --override REASON to plan anyway",
            err=True,
        )
        raise typer.Exit(code=1)
    outputs = {"consent": consent, "discharge": discharge, "calendar": calendar}
    if any(outputs.values()):
        end = _procedure_end(plan.procedure_date, procedure_end, plan.duration_high_min)
        _write_patient_documents(plan, end, outputs)


def outcomes_command(
    case_file: CaseArg, procedure_date: DateOpt = None, fmt: FormatOpt = Format.TEXT
) -> None:
    """Outcomes at each follow-up visit against baseline, MCID and published results."""
    from kypho.casefile import load_case
    from kypho.documents import outcome_sections, to_json
    from kypho.pathway import evaluate_outcomes

    case = load_case(case_file)
    day = optional_date("--procedure-date", procedure_date) or case.procedure.procedure_date
    if day is None:
        raise InvalidInput(
            "outcomes: expected a procedure date (--procedure-date or procedure.procedure_date "
            "in the case file); got neither"
        )
    report = evaluate_outcomes(case, procedure_date=day)
    typer.echo(_render(outcome_sections(report), fmt, to_json(report)), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``outcomes`` to the CLI."""
    app.command("plan")(plan_command)
    app.command("outcomes")(outcomes_command)
