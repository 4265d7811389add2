"""``kypho policies``: the bundled policies, their versions and sources; one in full."""

from __future__ import annotations

from typing import Annotated

import typer


def policies_command(
    show: Annotated[str | None, typer.Option(help="Print every criterion of this policy.")] = None,
) -> None:
    """List the policies kypho can assess against, with version and source."""
    from kypho.rules import load_policy, policy_names

    if show is not None:
        policy = load_policy(show)
        typer.echo(f"{policy.title} (version {policy.version})\nSource: {policy.source}")
        typer.echo(policy.summary)
        for c in policy.criteria:
            top = "*" if c.id in policy.top_level else " "
            typer.echo(f"{top} {c.id} [{c.role.value}, {policy.scopes[c.id].value}]: {c.text}")
            typer.echo(f"    threshold: {c.threshold}; source: {'; '.join(map(str, c.citations))}")
        typer.echo("(* = top-level criterion)")
        return
    for name in policy_names():
        p = load_policy(name)
        typer.echo(f"{p.id}  (version {p.version}, {len(p.criteria)} criteria)\n  {p.title}")
        typer.echo(f"  source: {p.source}")


def register(app: typer.Typer) -> None:
    app.command("policies")(policies_command)
