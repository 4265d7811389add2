"""``kypho assess``: parse, call the assess workflow, print; bad files listed at the end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kypho.commands._options import OutputFormat, parse_date

if TYPE_CHECKING:
    from kypho.workflows.assess import BatchAssessment, CaseAssessment

EXIT_BAD_INPUT = 2


def summary_table(batch: BatchAssessment) -> str:
    """One line per case and policy: verdict, levels, what is missing or flagged."""
    from kypho.rules.words import VERDICT_WORDS

    lines = [f"{'case file':<40} {'policy':<16} {'decision':<30} detail"]
    for found in batch.assessed:
        name = Path(found.source).stem[:40]
        for a in found.assessments:
            detail = ", ".join(f"{la.level} {VERDICT_WORDS[la.decision.value]}" for la in a.levels)
            if a.score is not None:
                detail = f"score {a.score} ({a.score_band})"
            if a.missing:
                detail += f"; {len(a.missing)} document(s) missing"
            if a.warnings:
                detail += f"; {len(a.warnings)} warning(s)"
            verdict = VERDICT_WORDS[a.verdict]
            lines.append(f"{name:<40} {a.policy_id:<16} {verdict:<30} {detail}")
    lines.append("Decision support only: the physician decides. Details: --format text.")
    return "\n".join(lines)


def _json(batch: BatchAssessment) -> str:
    from kypho.rules.report import assessment_to_dict

    doc = {
        "assessed_on": batch.on.isoformat(),
        "cases": [
            {
                "case_id": found.case.case_id,
                "file": found.source,
                "assessments": [assessment_to_dict(a) for a in found.assessments],
                "contraindications_present": list(found.contraindications_present),
                "contraindications_not_recorded": list(found.contraindications_not_recorded),
            }
            for found in batch.assessed
        ],
        "failed": [{"file": bad.source, "message": bad.message} for bad in batch.failed],
    }
    return json.dumps(doc, indent=2)


def safety_line(found: CaseAssessment) -> str:
    """The contraindications recorded present, whatever the policies test, and the gaps."""
    present = found.contraindications_present
    line = "Safety screen: " + ("; ".join(present) if present else "no contraindication recorded")
    unknown = found.contraindications_not_recorded
    if unknown:
        line += f"; not recorded ({len(unknown)}): " + ", ".join(unknown)
    return line


def _case_text(found: CaseAssessment, output: OutputFormat, *, verbose: bool) -> str:
    from kypho.rules.explain import as_markdown, as_text, verdict_line

    heading = "#" if output is OutputFormat.MARKDOWN else "==="
    parts = [f"{heading} Case {found.case.case_id} ({Path(found.source).name})"]
    parts.append(verdict_line(found.case.case_id, found.assessments))
    parts.append(safety_line(found))
    for a in found.assessments:
        parts.append(
            as_markdown(a) if output is OutputFormat.MARKDOWN else as_text(a, verbose=verbose)
        )
    return "\n\n".join(parts) + "\n"


def render(batch: BatchAssessment, output: OutputFormat, *, verbose: bool = False) -> str:
    if output is OutputFormat.JSON:
        return _json(batch)
    if output is OutputFormat.SUMMARY:
        return summary_table(batch)
    return "\n".join(_case_text(found, output, verbose=verbose) for found in batch.assessed)


def assess_command(
    cases: Annotated[list[Path], typer.Argument(help="Case files (JSON) or folders of them.")],
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", "-p", help="Policy id (repeatable). Default: all bundled."),
    ] = None,
    policy_file: Annotated[
        list[Path] | None, typer.Option(help="A policy TOML file of your own (repeatable).")
    ] = None,
    on: Annotated[str | None, typer.Option(help="Assess as of this date (YYYY-MM-DD).")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TEXT,
    verbose: Annotated[bool, typer.Option(help="Show every sub-criterion.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Exports only: write the decisions to this Parquet file."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Exports only: decide on the Dask cluster at tcp://HOST:PORT."),
    ] = None,
    lines_per_task: Annotated[
        int, typer.Option(help="Exports only: cases per partition (one Dask task each).")
    ] = 10_000,
) -> None:
    """Decide, per policy, whether each case is a candidate, and explain why.

    Every good file is assessed; each bad one is listed on stderr with its message, and
    the exit status is then 2. Exports (.jsonl, .ndjson, .parquet: many cases in one
    file) are decided without explanations into --out FILE.parquet (docs/population.md).
    """
    from kypho.config import load_settings
    from kypho.workflows.assess import assess_files
    from kypho.workflows.policies import resolve_policies

    settings = load_settings()
    day = parse_date("--on", on, default=date.today())
    policies = resolve_policies(policy or (), policy_file or (), settings=settings)
    if export_mode(cases, out=out, scheduler=scheduler):
        from kypho.commands.assess_export import run_export

        assert out is not None  # export_mode checked it
        code = run_export(
            cases,
            policies,
            on=day,
            out=out,
            scheduler=scheduler,
            lines_per_task=lines_per_task,
            max_line_bytes=settings.max_case_file_bytes,
        )
        if code:
            raise typer.Exit(code=code)
        return
    batch = assess_files(cases, policies, on=day, max_case_file_bytes=settings.max_case_file_bytes)
    if batch.assessed or output is OutputFormat.JSON:
        typer.echo(render(batch, output, verbose=verbose))
    for bad in batch.failed:
        typer.echo(f"kypho: error: {bad.message}", err=True)
    if batch.failed:
        n = len(batch.failed)
        typer.echo(
            f"kypho: {len(batch.assessed)} case file(s) assessed, {n} could not be read "
            "(listed above)",
            err=True,
        )
        raise typer.Exit(code=EXIT_BAD_INPUT)


def export_mode(cases: list[Path], *, out: Path | None, scheduler: str | None) -> bool:
    """True for exports (then --out is required); case files keep their behaviour."""
    from kypho.errors import InvalidInput
    from kypho.population.partitions import EXPORT_SUFFIXES

    exports = [p for p in cases if p.suffix.lower() in EXPORT_SUFFIXES]
    if not exports:
        for name, value in (("--out", out), ("--scheduler", scheduler)):
            if value is not None:
                raise InvalidInput(
                    f"{name}: expected only with exports ({', '.join(EXPORT_SUFFIXES)}), "
                    f"got case files ({cases[0]}...)"
                )
        return False
    if len(exports) != len(cases):
        other = next(p for p in cases if p not in exports)
        raise InvalidInput(
            f"{other}: expected exports only ({', '.join(EXPORT_SUFFIXES)}) alongside "
            f"{exports[0]}; assess case files in a separate run"
        )
    if out is None:
        raise InvalidInput(
            f"--out: expected FILE.parquet to write the decisions of {exports[0]} to, got none"
        )
    return True


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
