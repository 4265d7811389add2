"""``kypho schema``: print the JSON Schema of the case file."""

from __future__ import annotations

import json

import typer


def schema() -> None:
    """Print the JSON Schema (draft 2020-12) that case files follow."""
    from kypho.casefile import case_json_schema  # lazy: the CLI starts fast

    typer.echo(json.dumps(case_json_schema(), indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add the ``schema`` command to ``app``."""
    app.command("schema")(schema)
