"""``kypho measure``: vertebral heights, Genant grade and change over time from images.

INPUT is a NIfTI label volume, a TotalSegmentator folder of per-structure files, or a
six-point landmarks JSON file (``kypho-landmarks/1``, see ``docs/morphometry.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from kypho.errors import InvalidInput

FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def _measure(
    path: Path,
    *,
    layout: str | None,
    body: Path | None,
    limits: dict[str, Any],
    image: Any = None,
) -> Any:
    from kypho.imaging.layouts import parse_layout

    if path.suffix.lower() == ".json":
        from kypho.imaging.landmarks import load_landmarks

        return load_landmarks(path)
    from kypho.imaging.study import measure_study

    return measure_study(path, layout=parse_layout(layout), body_path=body, image=image, **limits)


def _labels_to_draw(path: Path, layout: str | None, limits: dict[str, Any]) -> Any:
    """The label volume, loaded once for measuring and drawing; None for landmarks/folders."""
    if not path.is_file() or path.suffix.lower() == ".json" or layout == "total-files":
        return None
    from kypho.imaging.nifti import load_labels

    return load_labels(path, max_voxels=limits["max_voxels"])


def _cobb(spine: Any, spans: list[str]) -> list[dict[str, Any]]:
    from kypho.morphometry.cobb import DEFINITION, regional_kyphosis

    out = []
    for span in spans:
        upper, _, lower = span.upper().partition(":")
        a, b = spine.get(upper), spine.get(lower)
        found = None if a is None or b is None else regional_kyphosis(a.vertebra, b.vertebra)
        if found is None:
            raise InvalidInput(f"--cobb {span}: expected two measured levels UPPER:LOWER")
        out.append(
            {
                "from": upper,
                "to": lower,
                "cobb_angle_deg": round(found.angle_deg, 1),
                "cobb_angle_doubt_deg": None
                if found.doubt_deg is None
                else round(found.doubt_deg, 1),
                "from_endplates": found.source,
                "definition": DEFINITION,
            }
        )
    return out


def _compare(earlier: Path, later: Path, fmt: str, kw: dict[str, Any]) -> None:
    from kypho.morphometry.compare import compare_studies
    from kypho.morphometry.report import change_dict

    changes = compare_studies(earlier=_measure(earlier, **kw), later=_measure(later, **kw))
    rows = [change_dict(c) for c in changes]
    if fmt == "json":
        typer.echo(
            json.dumps({"earlier": str(earlier), "later": str(later), "levels": rows}, indent=2)
        )
        return
    for r in rows:
        typer.echo(
            f"{r['level']:4} Ha {r['anterior_change_mm']} Hm {r['middle_change_mm']} "
            f"Hp {r['posterior_change_mm']} mm  progression={r['progression']}  {r['reason']}"
        )


def _into_case(
    spine: Any, case_path: Path, out: Path, study_date: str | None, study_id: str | None
) -> None:
    from dataclasses import replace
    from datetime import date

    from kypho.casefile import dump_case, load_case
    from kypho.commands._options import parse_date
    from kypho.morphometry.to_case import study_from_measurement

    if study_date is None:
        raise InvalidInput("--into-case: expected --study-date YYYY-MM-DD as well")
    day = parse_date("--study-date", study_date, default=date.min)
    case = load_case(case_path)
    study = study_from_measurement(spine, study_date=day, study_id=study_id)
    out.write_text(
        dump_case(replace(case, imaging=(*(case.imaging or ()), study))), encoding="utf-8"
    )


def _render(image: Path, spine: Any, labels: Any) -> None:
    from kypho.imaging.render import render_png

    if labels is not None:
        render_png(image, spine, labels=labels.labels, geometry=labels.geometry)
    else:
        render_png(image, spine)


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
        int, typer.Option(help="Refuse larger volumes (header check).")
    ] = 2_000_000_000,
    max_slice_thickness_mm: Annotated[
        float, typer.Option(help="Thicker sampling: level POOR.")
    ] = 3.0,
) -> None:
    """Measure vertebral heights, Genant grade, wedge angle and volume per level."""
    if fmt not in ("text", "json"):
        raise InvalidInput(f"--format: expected text or json, got {fmt!r}")
    limits = {"max_voxels": max_voxels, "max_slice_thickness_mm": max_slice_thickness_mm}
    kw: dict[str, Any] = {"layout": layout, "body": body, "limits": limits}
    if compare is not None:
        _compare(compare[0], compare[1], fmt, kw)
        return
    if input_path is None:
        raise InvalidInput("kypho measure: expected INPUT, or --compare EARLIER LATER")
    labels = None if image is None else _labels_to_draw(input_path, layout, limits)
    spine = _measure(input_path, image=labels, **kw)
    if into_case is not None:
        if out is None:
            raise InvalidInput("--into-case: expected --out NEW.json as well")
        _into_case(spine, into_case, out, study_date, study_id)
    if image is not None:
        _render(image, spine, labels)
    from kypho.morphometry.report import spine_dict, spine_table

    if fmt == "json":
        typer.echo(json.dumps(spine_dict(spine, cobb=_cobb(spine, cobb or [])), indent=2))
    else:
        typer.echo(spine_table(spine))
        for c in _cobb(spine, cobb or []):
            doubt = c["cobb_angle_doubt_deg"]
            shown = f"{c['cobb_angle_deg']}" + ("" if doubt is None else f" +-{doubt}")
            typer.echo(
                f"Cobb {c['from']}-{c['to']}: {shown} deg ({c['definition']}; "
                f"from {c['from_endplates']})"
            )


def register(app: typer.Typer) -> None:
    """Add ``kypho measure`` to ``app``."""
    app.command("measure")(measure_command)
