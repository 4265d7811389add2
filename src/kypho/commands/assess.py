"""``kypho assess``: decide candidacy for case files under one or more policies."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kypho.commands._options import OutputFormat, parse_date
from kypho.errors import InvalidInput

if TYPE_CHECKING:
    from kypho.rules import Assessment

DEFAULT_POLICIES = ("practice", "medicare-l34106", "vcf-suspicion")


def case_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their ``*.json`` files (sorted); keep files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(path.glob("*.json"))
            if not inside:
                raise InvalidInput(
                    f"{path}: expected case files (*.json) in this folder, found none"
                )
            found += inside
        else:
            found.append(path)
    return found


def summary_table(rows: list[tuple[Path, list[Assessment]]]) -> str:
    """One line per case and policy: decision, levels, what is missing or flagged."""
    lines = [f"{'case file':<40} {'policy':<16} {'decision':<18} detail"]
    for path, found in rows:
        for a in found:
            detail = ", ".join(f"{la.level} {la.decision.value}" for la in a.levels)
            if a.score is not None:
                detail = f"score {a.score} ({a.score_band})"
            if a.missing:
                detail += f"; {len(a.missing)} document(s) missing"
            if a.warnings:
                detail += f"; {len(a.warnings)} warning(s)"
            lines.append(f"{path.stem[:40]:<40} {a.policy_id:<16} {a.decision.value:<18} {detail}")
    lines.append("Decision support only: the physician decides. Details: --format text.")
    return "\n".join(lines)


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
) -> None:
    """Decide, per policy, whether each case is a candidate, and explain why."""
    from kypho.casefile import load_case
    from kypho.rules import assess, load_policy, load_policy_file
    from kypho.rules.explain import as_markdown, as_text
    from kypho.rules.report import assessment_to_dict

    day = parse_date("--on", on, default=date.today())
    policies = [load_policy(p) for p in policy or ([] if policy_file else DEFAULT_POLICIES)]
    policies += [load_policy_file(f) for f in policy_file or ()]
    loaded = [(path, load_case(path)) for path in case_files(cases)]
    results = [(path, case, [assess(case, p, on=day) for p in policies]) for path, case in loaded]
    if output is OutputFormat.JSON:
        doc = {
            "assessed_on": day.isoformat(),
            "cases": [
                {
                    "case_id": case.case_id,
                    "file": str(path),
                    "assessments": [assessment_to_dict(a) for a in found],
                }
                for path, case, found in results
            ],
        }
        typer.echo(json.dumps(doc, indent=2))
        return
    if output is OutputFormat.SUMMARY:
        typer.echo(summary_table([(path, found) for path, _, found in results]))
        return
    render = (
        as_markdown if output is OutputFormat.MARKDOWN else lambda a: as_text(a, verbose=verbose)
    )
    for path, case, found in results:
        rule = "#" if output is OutputFormat.MARKDOWN else "="
        typer.echo(f"{rule * 3} Case {case.case_id} ({path.name})")
        for a in found:
            typer.echo(render(a))
            typer.echo("")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
