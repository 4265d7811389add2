"""``kypho fhir import`` and ``kypho fhir export``: FHIR R4 Bundles in and out.

``import`` reads a Bundle (a chart export, a search result set), prints the import
report (what was used, what was ignored and why) and writes the case file (``--out``,
else to standard output after the report). ``export`` assesses a case file as of
``--on`` under the policies, and writes the Bundle: the case's facts, one
GuidanceResponse per policy, a DetectedIssue per contraindication present, and with
``--plan-policy`` the plan (CarePlan and CPT-coded ServiceRequests).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from kypho.commands._options import optional_date
from kypho.errors import InvalidInput

fhir_app = typer.Typer(help="FHIR R4: import a Bundle as a case, export a case as a Bundle.",
                       no_args_is_help=True)  # fmt: skip

BundleArg = Annotated[Path, typer.Argument(help="FHIR R4 Bundle (JSON).", dir_okay=False)]
CaseArg = Annotated[Path, typer.Argument(help="Case file (JSON).", dir_okay=False)]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")]


def _read_text(path: Path) -> str:
    from kypho.interop.fhir.read_bundle import MAX_BUNDLE_BYTES

    try:
        size = path.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            raise InvalidInput(f"{path}: expected at most {MAX_BUNDLE_BYTES} bytes, got {size}")
        return path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise InvalidInput(f"{path}: cannot read the file: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path}: expected UTF-8 text, got byte 0x{err.object[err.start]:02x} "
                           f"at offset {err.start}") from None  # fmt: skip


def _write(out: Path, text: str) -> None:
    from kypho.documents.write import write_documents

    _write_check(out)
    write_documents({out: text.encode("utf-8")}, suffixes=None)


@fhir_app.command("import")
def import_command(
    bundle_file: BundleArg,
    out: OutOpt = None,
    case_id: Annotated[str | None, typer.Option(help="case_id of the new case.")] = None,
) -> None:
    """Turn a Bundle into a case file; print what was used and what was ignored."""
    from kypho.casefile import dump_case
    from kypho.interop.fhir import bundle_to_case
    from kypho.interop.fhir.read_bundle import parse_bundle_text

    source = str(bundle_file)
    if out is not None:
        _write_check(out)
    data = parse_bundle_text(_read_text(bundle_file), source=source)
    try:
        case, report = bundle_to_case(data, case_id=case_id, source=source)
    except InvalidInput as err:
        text = str(err)
        raise InvalidInput(text if text.startswith(source) else f"{source}: {text}") from None
    if out is None:
        typer.echo(report.text(), err=True)
        typer.echo(dump_case(case), nl=False)
        return
    _write(out, dump_case(case))
    typer.echo(report.text())
    typer.echo(f"wrote {out}", err=True)


def _write_check(out: Path) -> None:
    from kypho.documents.write import check_outputs

    try:
        check_outputs([out], suffixes=None)
    except InvalidInput as err:
        raise InvalidInput(f"--out {err}") from None


@fhir_app.command("export")
def export_command(
    case_file: CaseArg,
    out: OutOpt = None,
    on: Annotated[str | None, typer.Option(help="Assessment date (default today).")] = None,
    policy: Annotated[
        list[str] | None, typer.Option(help="Policy id (repeatable; default: the settings').")
    ] = None,
    plan_policy: Annotated[
        str | None, typer.Option(help="Also plan under this candidacy or coverage policy.")
    ] = None,
    transaction: Annotated[
        bool, typer.Option(help="A transaction Bundle (POST each entry) to load into a server.")
    ] = False,
) -> None:
    """Write the case, its assessments and (with --plan-policy) its plan as a Bundle."""
    from kypho.casefile import load_case
    from kypho.config import load_settings
    from kypho.interop.fhir import export_bundle
    from kypho.policyfile import load_policy
    from kypho.workflows.assess import assess_case
    from kypho.workflows.plan import plan_case
    from kypho.workflows.policies import resolve_policies

    settings = load_settings()
    day = optional_date("--on", on) or date.today()
    if out is not None:
        _write_check(out)
    policies = resolve_policies(policy or (), (), settings=settings)
    case = load_case(case_file, max_bytes=settings.max_case_file_bytes)
    case.check_not_after(day)
    assessed = assess_case(case, policies, on=day, source=str(case_file))
    plan = None
    if plan_policy is not None:
        plan = plan_case(case, load_policy(plan_policy), on=day,
                         procedure_date=case.procedure.procedure_date).plan  # fmt: skip
    kind = "transaction" if transaction else "collection"
    bundle = export_bundle(case, assessments=assessed.assessments, safety=assessed.safety,
                           plan=plan, bundle_type=kind)  # fmt: skip
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    _write(out, text)
    typer.echo(f"wrote {out} ({len(bundle['entry'])} resources)", err=True)


def register(app: typer.Typer) -> None:
    """Add ``fhir import`` and ``fhir export`` to the CLI."""
    app.add_typer(fhir_app, name="fhir")
