"""``kypho assess``: decide candidacy for case files under one or more policies."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from kypho.commands._options import OutputFormat, parse_date
from kypho.errors import InvalidInput

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
