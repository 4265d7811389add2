"""``kypho plan`` and ``kypho outcomes``: parse, call one workflow, print, write documents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kypho.commands._options import optional_date, optional_datetime

if TYPE_CHECKING:
    from kypho.workflows.documents import DocumentKind

EXIT_REFUSED = 1


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def parse_datetime(text: str | None, option: str) -> datetime | None:
    """An ISO date and time from the command line (``None`` when not given).

    >>> parse_datetime("2026-03-10T09:40", "--procedure-end")
    datetime.datetime(2026, 3, 10, 9, 40)
    """
    return optional_datetime(option, text)


def _render(sections: list[tuple[str, list[str]]], fmt: Format, json_text: str) -> str:
    from kypho.documents import as_markdown, as_text

    if fmt is Format.JSON:
        return json_text
    return as_markdown(sections) if fmt is Format.MARKDOWN else as_text(sections)


def _wanted(
    consent: Path | None, discharge: Path | None, calendar: Path | None
) -> dict[DocumentKind, Path]:
    from kypho.documents.write import check_outputs
    from kypho.workflows.documents import DocumentKind, check_suffixes

    given = {
        DocumentKind.CONSENT: consent,
        DocumentKind.DISCHARGE: discharge,
        DocumentKind.CALENDAR: calendar,
    }
    wanted = {kind: path for kind, path in given.items() if path is not None}
    check_suffixes(wanted)
    check_outputs(list(wanted.values()))
    return wanted


CaseArg = Annotated[Path, typer.Argument(help="Case file (JSON).", dir_okay=False)]
DateOpt = Annotated[str | None, typer.Option("--procedure-date", help="Planned date, YYYY-MM-DD.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
OnOpt = Annotated[str | None, typer.Option(help="Assessment date (default today).")]


def plan_command(
    case_file: CaseArg,
    procedure_date: DateOpt = None,
    fmt: FormatOpt = Format.TEXT,
    policy: Annotated[str, typer.Option(help="Candidacy or coverage policy id.")] = "practice",
    on: OnOpt = None,
    override: Annotated[
        str | None, typer.Option(help="The physician's reason to plan a refused case.")
    ] = None,
    overridden_by: Annotated[
        str | None, typer.Option(help="The physician who overrides the refusal.")
    ] = None,
    consent: Annotated[Path | None, typer.Option(help="Write consent (.pdf or .html).")] = None,
    discharge: Annotated[Path | None, typer.Option(help="Write discharge (.pdf/.html).")] = None,
    calendar: Annotated[Path | None, typer.Option(help="Write recovery calendar (.ics).")] = None,
    procedure_end: Annotated[
        str | None, typer.Option(help="When the procedure ended, YYYY-MM-DDTHH:MM.")
    ] = None,
) -> None:
    """Plan the procedure (safety screen, levels, approach, cement, codes, logistics, risks)."""
    from kypho.casefile import load_case
    from kypho.config import load_settings
    from kypho.documents import plan_json, plan_sections
    from kypho.documents.write import write_documents
    from kypho.policyfile import load_policy
    from kypho.workflows.documents import build_documents
    from kypho.workflows.plan import plan_case

    settings = load_settings()
    wanted = _wanted(consent, discharge, calendar)
    day = optional_date("--procedure-date", procedure_date)
    assessed_on = optional_date("--on", on) or date.today()
    ended_at = parse_datetime(procedure_end, "--procedure-end")
    case = load_case(case_file, max_bytes=settings.max_case_file_bytes)
    planned = plan_case(
        case,
        load_policy(policy),
        on=assessed_on,
        procedure_date=day,
        override_reason=override,
        overridden_by=overridden_by,
    )
    plan = planned.plan
    files: dict[Path, bytes] = {}
    if wanted and not plan.refused:
        now = datetime.now(UTC)
        files = build_documents(plan, wanted, ended_at=ended_at, settings=settings, now=now)
    typer.echo(_render(plan_sections(plan), fmt, plan_json(plan)), nl=False)
    if plan.refused:
        typer.echo(
            "kypho: plan refused (reasons above); a physician may plan anyway with "
            "--override REASON --overridden-by NAME",
            err=True,
        )
        raise typer.Exit(code=EXIT_REFUSED)
    write_documents(files)
    for path in files:
        typer.echo(f"wrote {path}", err=True)


def outcomes_command(
    case_file: CaseArg,
    procedure_date: DateOpt = None,
    fmt: FormatOpt = Format.TEXT,
    on: OnOpt = None,
) -> None:
    """Outcomes at each follow-up visit against baseline, MCID and published results."""
    from kypho.casefile import load_case
    from kypho.config import load_settings
    from kypho.documents import outcome_sections, to_json
    from kypho.workflows.outcomes import case_outcomes

    settings = load_settings()
    day = optional_date("--procedure-date", procedure_date)
    assessed_on = optional_date("--on", on) or date.today()
    case = load_case(case_file, max_bytes=settings.max_case_file_bytes)
    report = case_outcomes(case, procedure_date=day, on=assessed_on)
    typer.echo(_render(outcome_sections(report), fmt, to_json(report)), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``outcomes`` to the CLI."""
    app.command("plan")(plan_command)
    app.command("outcomes")(outcomes_command)
