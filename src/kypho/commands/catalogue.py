"""``kypho policies``: the bundled policies; one in full; the facts; a policy file checked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _show(name: str) -> None:
    from kypho.policyfile import load_policy

    policy = load_policy(name)
    typer.echo(f"{policy.title} (version {policy.version}, {policy.kind.value})")
    typer.echo(f"Source: {policy.source}\n{policy.summary}")
    for c in policy.criteria:
        top = "*" if c.id in policy.top_level else " "
        typer.echo(f"{top} {c.id} [{c.role.value}, {policy.scopes[c.id].value}]: {c.text}")
        typer.echo(f"    threshold: {c.threshold}; source: {'; '.join(map(str, c.citations))}")
    typer.echo("(* = top-level criterion)")


def _check(path: Path) -> None:
    from kypho.config import load_settings
    from kypho.policyfile import load_policy_file

    settings = load_settings()
    policy = load_policy_file(path, max_bytes=settings.max_policy_file_bytes)
    typer.echo(f"ok: {policy.id} ({policy.kind.value}, {len(policy.criteria)} criteria)")


def _facts() -> None:
    from kypho.rules.facts import FACTS

    for spec in FACTS.values():
        unit = f", {spec.unit}" if spec.unit and spec.unit != spec.kind else ""
        typer.echo(f"{spec.name}  ({spec.kind}{unit}, per {spec.scope.value}): {spec.document}")


def _list() -> None:
    from kypho.policyfile import load_policy
    from kypho.rules.policy import policy_names

    for name in policy_names():
        p = load_policy(name)
        typer.echo(f"{p.id}  ({p.kind.value}, version {p.version}, {len(p.criteria)} criteria)")
        typer.echo(f"  {p.title}\n  source: {p.source}")


def policies_command(
    show: Annotated[str | None, typer.Option(help="Print every criterion of this policy.")] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Check a policy file of your own against the schema."),
    ] = None,
    facts: Annotated[
        bool, typer.Option("--facts", help="List the facts a policy may test.")
    ] = False,
) -> None:
    """List the policies kypho can assess against, with kind, version and source."""
    if check is not None:
        _check(check)
    elif show is not None:
        _show(show)
    elif facts:
        _facts()
    else:
        _list()


def register(app: typer.Typer) -> None:
    app.command("policies")(policies_command)
