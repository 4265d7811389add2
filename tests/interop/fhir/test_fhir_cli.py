"""``kypho fhir import`` and ``kypho fhir export`` on the command line.

Run through the CLI's own app when ``fhir`` is registered there, else through a local
Typer app with the module's ``register`` (bad input mapped to exit 2 as ``cli.main`` does).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from kypho_fhir_support import BUNDLES, EXAMPLES, mapped
from typer.testing import CliRunner

from kypho.casefile import load_case
from kypho.commands import fhir
from kypho.errors import InvalidInput
from kypho.interop.fhir import bundle_to_case

CHART = BUNDLES / "ehr-chart-searchset.json"


def _app() -> typer.Typer:
    from kypho import cli

    if any(group.name == "fhir" for group in cli.app.registered_groups):
        return cli.app
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """kypho (test app)."""

    fhir.register(app)
    return app


def run(*argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr); InvalidInput is exit 2 with its one-line message."""
    result = CliRunner().invoke(_app(), list(argv))
    if isinstance(result.exception, InvalidInput):
        return 2, result.stdout, f"kypho: error: {result.exception}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_import_writes_the_case_and_prints_the_report(tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    code, stdout, _ = run("fhir", "import", str(CHART), "--out", str(out), "--case-id", "C-1")
    assert code == 0
    assert stdout.startswith("used 18, ignored 11\n")
    assert "ignored entry[27] (Basic): resource type not mapped" in stdout
    case = load_case(out)
    assert case.case_id == "C-1" and case.procedure.levels is not None


def test_import_without_out_prints_the_case_and_reports_on_stderr() -> None:
    code, stdout, stderr = run("fhir", "import", str(CHART))
    assert code == 0
    assert json.loads(stdout)["fractures"][0]["level"] == "L1"
    assert "used 18, ignored 11" in stderr


def test_a_malformed_bundle_is_exit_2_naming_file_and_path(tmp_path: Path) -> None:
    data = json.loads(CHART.read_text())
    data["entry"][8]["resource"]["onsetDateTime"] = "yesterday"
    bad, out = tmp_path / "bad.json", tmp_path / "case.json"
    bad.write_text(json.dumps(data))
    code, _, err = run("fhir", "import", str(bad), "--out", str(out))
    assert code == 2
    assert err == (f"kypho: error: {bad}: entry[8].resource.onsetDateTime: expected a FHIR date "
                   "(YYYY, YYYY-MM or YYYY-MM-DD...), got 'yesterday'")  # fmt: skip
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(("text", "found"), [("{", "not valid JSON"), ("[]", "a JSON object")])
def test_a_file_that_is_not_a_bundle_is_exit_2(tmp_path: Path, text: str, found: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    code, _, err = run("fhir", "import", str(bad))
    assert code == 2 and str(bad) in err and found in err


def test_export_with_a_plan_writes_a_transaction_that_imports_back(tmp_path: Path) -> None:
    source = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    out = tmp_path / "bundle.json"
    code, _, _ = run("fhir", "export", str(source), "--out", str(out), "--on", "2026-11-25",
                     "--plan-policy", "practice", "--transaction")  # fmt: skip
    assert code == 0
    exported = json.loads(out.read_text())
    assert exported["type"] == "transaction"
    kinds = {e["resource"]["resourceType"] for e in exported["entry"]}
    assert {"GuidanceResponse", "CarePlan"} <= kinds
    back, _ = bundle_to_case(exported)
    assert back == mapped(load_case(source))


def test_export_refuses_a_date_before_the_case_events(tmp_path: Path) -> None:
    source = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    code, _, err = run("fhir", "export", str(source), "--on", "2020-01-01")
    assert code == 2 and "expected a date on or before the assessment date 2020-01-01" in err
    code, _, err = run("fhir", "export", str(source), "--on", "someday")
    assert code == 2 and "--on: expected a date as YYYY-MM-DD" in err
