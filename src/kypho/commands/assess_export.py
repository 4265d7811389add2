"""``kypho assess EXPORT.jsonl|EXPORT.parquet --out DECISIONS.parquet``: a whole population.

Prints the count of each decision per policy and the lines that could not be read
(the first few on stderr; every one is a row of the output, with its reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import typer

from kypho.rules import Policy

EXIT_BAD_INPUT = 2
FAILURES_SHOWN = 20


def run_export(
    paths: Sequence[Path],
    policies: Sequence[Policy],
    *,
    on: date,
    out: Path,
    scheduler: str | None,
    lines_per_task: int,
    max_line_bytes: int,
) -> int:
    """Decide the exports; print the summary; the exit status (2 if any line failed)."""
    from kypho.population import assess_export

    summary = assess_export(
        paths,
        policies,
        on=on,
        out=out,
        max_line_bytes=max_line_bytes,
        scheduler=scheduler,
        lines_per_task=lines_per_task,
    )
    where = f" on {scheduler}" if scheduler else ""
    typer.echo(f"{summary.cases} case(s) read{where}, decisions as of {on} written to {out}")
    for policy in policies:
        counts = {d: n for (p, d), n in summary.decisions.items() if p == policy.id}
        shown = ", ".join(f"{d} {counts[d]}" for d in sorted(counts)) or "none"
        typer.echo(f"  {policy.id}: {shown}")
    typer.echo("Decision support only: the physician decides.")
    for message in summary.failures[:FAILURES_SHOWN]:
        typer.echo(f"kypho: error: {message}", err=True)
    if not summary.ok:
        more = summary.failed_count - min(FAILURES_SHOWN, len(summary.failures))
        extra = f" ({more} more not shown)" if more > 0 else ""
        typer.echo(
            f"kypho: {summary.failed_count} case line(s) could not be assessed{extra}; each is a "
            f"row of {out} with its line number and reason (column 'error')",
            err=True,
        )
        return EXIT_BAD_INPUT
    return 0
