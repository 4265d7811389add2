"""``kypho schema`` prints the case file's JSON Schema."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from kypho.casefile import case_json_schema
from kypho.cli import main
from kypho.commands import schema


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0

    out = capsys.readouterr().out
    assert json.loads(out) == case_json_schema()
    assert out.startswith('{\n  "$schema": ')


def test_register_adds_a_schema_command() -> None:
    app = typer.Typer()

    @app.callback()
    def _group() -> None:
        """A group, as the real CLI is once several commands are registered."""

    schema.register(app)

    result = CliRunner().invoke(app, ["schema"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["title"] == "kypho case file"
