"""``kypho measure``: vertebral heights, Genant grade and change over time from images.

INPUT is a NIfTI label volume, a TotalSegmentator folder of per-structure files, or a
six-point landmarks JSON file (``kypho-landmarks/1``, see ``docs/morphometry.md``).
Parse, call ``kypho.workflows.measure``, print; the input limits come from
``kypho.config.load_settings()``, read once here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from kypho.errors import InvalidInput

FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def _cobb_rows(spine: Any, spans: list[str]) -> list[dict[str, Any]]:
    from kypho.morphometry.cobb import DEFINITION
    from kypho.workflows.measure import kyphosis_between

    return [
        {
            "from": upper,
            "to": lower,
            "cobb_angle_deg": round(c.angle_deg, 1),
            "cobb_angle_doubt_deg": None if c.doubt_deg is None else round(c.doubt_deg, 1),
            "from_endplates": c.source,
            "definition": DEFINITION,
        }
        for upper, lower, c in kyphosis_between(spine, spans)
    ]


def _print_compare(earlier: Path, later: Path, fmt: str, options: dict[str, Any]) -> None:
    from kypho.morphometry.report import change_dict
    from kypho.workflows.measure import compare_files

    rows = [change_dict(c) for c in compare_files(earlier, later, **options)]
    if fmt == "json":
        doc = {"earlier": str(earlier), "later": str(later), "levels": rows}
        typer.echo(json.dumps(doc, indent=2))
        return
    for r in rows:
        typer.echo(
            f"{r['level']:4} Ha {r['anterior_change_mm']} Hm {r['middle_change_mm']} "
            f"Hp {r['posterior_change_mm']} mm  progression={r['progression']}  {r['reason']}"
        )


def _check_output(option: str, path: Path | None) -> None:
    """Refuse an output path that cannot be written (special file, missing folder...)."""
    if path is None:
        return
    from kypho.documents.write import check_outputs

    try:
        check_outputs([path], suffixes=None)
    except InvalidInput as err:
        raise InvalidInput(f"{option} {err}") from None


def _case_with_study(
    spine: Any, case_path: Path, study_date: str | None, study_id: str | None
) -> bytes:
    from datetime import date

    from kypho.casefile import dump_case, load_case
    from kypho.commands._options import parse_date
    from kypho.workflows.measure import add_study_to_case

    if study_date is None:
        raise InvalidInput("--into-case: expected --study-date YYYY-MM-DD as well")
    day = parse_date("--study-date", study_date, default=date.min)
    case = add_study_to_case(load_case(case_path), spine, study_date=day, study_id=study_id)
    return dump_case(case).encode("utf-8")


def _spine_text(spine: Any, fmt: str, cobb: list[str]) -> str:
    from kypho.morphometry.report import spine_dict, spine_table

    rows = _cobb_rows(spine, cobb)
    if fmt == "json":
        return json.dumps(spine_dict(spine, cobb=rows), indent=2)
    lines = [spine_table(spine)]
    for c in rows:
        doubt = c["cobb_angle_doubt_deg"]
        shown = f"{c['cobb_angle_deg']}" + ("" if doubt is None else f" +-{doubt}")
        lines.append(
            f"Cobb {c['from']}-{c['to']}: {shown} deg ({c['definition']}; "
            f"from {c['from_endplates']})"
        )
    return "\n".join(lines)


def _picture(measured: Any) -> bytes:
    from kypho.imaging.render import render_png

    drawn = measured.image
    if drawn is None:
        return render_png(measured.spine)
    return render_png(measured.spine, labels=drawn.labels, geometry=drawn.geometry)


def measure_command(
    input_path: Annotated[
        Path | None, typer.Argument(metavar="INPUT", help="Labels, folder or landmarks.")
    ] = None,
    layout: Annotated[str | None, typer.Option(help="auto, total, total-files or verse.")] = None,
    body: Annotated[Path | None, typer.Option(help="TotalSegmentator vertebrae_body mask.")] = None,
    fmt: FormatOption = "text",
    image: Annotated[Path | None, typer.Option(help="Write a mid-sagittal PNG here.")] = None,
    compare: Annotated[
        tuple[Path, Path] | None, typer.Option(help="EARLIER LATER studies.")
    ] = None,
    cobb: Annotated[list[str] | None, typer.Option(help="UPPER:LOWER regional kyphosis.")] = None,
    into_case: Annotated[Path | None, typer.Option(help="Add this study to CASE.json.")] = None,
    study_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD of the study.")] = None,
    study_id: Annotated[str | None, typer.Option(help="Study identifier.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where --into-case writes the new case.")] = None,
    max_voxels: Annotated[
        int | None, typer.Option(help="Refuse larger volumes (default KYPHO_MAX_IMAGE_VOXELS).")
    ] = None,
    max_slice_thickness_mm: Annotated[
        float, typer.Option(help="Thicker sampling: level POOR.")
    ] = 3.0,
) -> None:
    """Measure vertebral heights, Genant grade, wedge angle and volume per level."""
    from kypho.config import load_settings
    from kypho.imaging.layouts import parse_layout

    if fmt not in ("text", "json"):
        raise InvalidInput(f"--format: expected text or json, got {fmt!r}")
    settings = load_settings()
    options: dict[str, Any] = {
        "layout": parse_layout(layout),
        "body_path": body,
        "max_voxels": settings.max_image_voxels if max_voxels is None else max_voxels,
        "max_file_bytes": settings.max_image_file_bytes,
        "max_landmarks_file_bytes": settings.max_landmarks_file_bytes,
        "max_slice_thickness_mm": max_slice_thickness_mm,
    }
    if compare is not None:
        _print_compare(compare[0], compare[1], fmt, options)
        return
    if input_path is None:
        raise InvalidInput("kypho measure: expected INPUT, or --compare EARLIER LATER")
    if into_case is not None and out is None:
        raise InvalidInput("--into-case: expected --out NEW.json as well")
    _check_output("--out", out)
    _check_output("--image", image)
    from kypho.workflows.measure import measure_file

    measured = measure_file(input_path, keep_image=image is not None, **options)
    text = _spine_text(measured.spine, fmt, cobb or [])
    files: dict[Path, bytes] = {}
    if into_case is not None and out is not None:
        files[out] = _case_with_study(measured.spine, into_case, study_date, study_id)
    if image is not None:
        files[image] = _picture(measured)
    if files:
        from kypho.documents.write import write_documents

        write_documents(files, suffixes=None)
    typer.echo(text)


def register(app: typer.Typer) -> None:
    """Add ``kypho measure`` to ``app``."""
    app.command("measure")(measure_command)
