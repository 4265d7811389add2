"""``kypho measure``: vertebral heights, Genant grade and change over time from images.

INPUT is a NIfTI label volume, a TotalSegmentator folder of per-structure files, or a
six-point landmarks JSON file (``kypho-landmarks/1``, see ``docs/morphometry.md``). Or a
DICOM CT series: ``--ct DIR --labels FILE|DIR`` (NIfTI on the CT's grid, or DICOM SEG), or
``--from-dicomweb URL --study UID`` (its SEG, or ``--labels``); ``--dicom-out DIR`` writes
SEG + SR, ``--push`` stores them in the PACS (``docs/dicom.md``).
Parse, call ``kypho.workflows.measure`` or ``measure_dicom``, print; the input limits come
from ``kypho.config.load_settings()``, read once here.
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
    measured: Any, case_path: Path, study_date: str | None, study_id: str | None
) -> bytes:
    from datetime import date

    from kypho.casefile import dump_case, load_case
    from kypho.commands._options import parse_date
    from kypho.workflows.measure import add_study_to_case

    if study_date is None:
        raise InvalidInput("--into-case: expected --study-date YYYY-MM-DD as well")
    day = parse_date("--study-date", study_date, default=date.min)
    case = add_study_to_case(
        load_case(case_path),
        measured.spine,
        study_date=day,
        study_id=study_id,
        density=getattr(measured, "density", None),  # a CT series: its bone density
    )
    return dump_case(case).encode("utf-8")


def _spine_text(
    spine: Any, fmt: str, cobb: list[str], *, image: dict[str, str] | None, density: Any = None
) -> str:
    """The table (or JSON); with ``--image``, what the picture shows and where it went."""
    from kypho.morphometry.report import spine_dict, spine_table

    rows = _cobb_rows(spine, cobb)
    if fmt == "json":
        extra: dict[str, Any] = {} if image is None else {"image": image}
        return json.dumps(spine_dict(spine, density=density, cobb=rows, **extra), indent=2)
    lines = [spine_table(spine, density=density)]
    for c in rows:
        doubt = c["cobb_angle_doubt_deg"]
        shown = f"{c['cobb_angle_deg']}" + ("" if doubt is None else f" +-{doubt}")
        lines.append(
            f"Cobb {c['from']}-{c['to']}: {shown} deg ({c['definition']}; "
            f"from {c['from_endplates']})"
        )
    if image is not None:
        lines.append(f"--image: wrote {image['path']}: {image['shows']}")
    return "\n".join(lines)


def _picture(measured: Any) -> tuple[bytes, str]:
    """The PNG and a line saying what it shows."""
    from kypho.imaging.render import describe_picture, render_png

    if hasattr(measured, "ct"):  # a CT series: its labels on the CT's grid
        from kypho.interop.dicom.series import read_hu

        hu = read_hu(measured.ct).hu  # decoded once more unless --dicom-out read it
        ct = measured.ct
        png = render_png(measured.spine, labels=measured.labels, geometry=ct.geometry, ct=hu)
        return png, describe_picture(measured.spine, with_mask=True, with_ct=hu is not None)
    drawn = measured.image
    if drawn is None:
        return render_png(measured.spine), describe_picture(measured.spine)
    png = render_png(measured.spine, labels=drawn.labels, geometry=drawn.geometry)
    return png, describe_picture(measured.spine, with_mask=True)


def _dicom_options_used(dicom: dict[str, Any]) -> bool:
    """Whether a DICOM option is given; refuse combinations that mean nothing."""
    source = dicom["ct"] is not None or dicom["from_dicomweb"] is not None
    if dicom["ct"] is not None and dicom["from_dicomweb"] is not None:
        raise InvalidInput("--ct: expected --ct DIR or --from-dicomweb URL, not both")
    if dicom["ct"] is not None and dicom["labels"] is None:
        raise InvalidInput("--ct: expected --labels FILE|DIR as well (NIfTI or DICOM SEG)")
    if (dicom["from_dicomweb"] is None) != (dicom["study"] is None):
        raise InvalidInput("--from-dicomweb: expected --from-dicomweb URL and --study UID together")
    for option in ("labels", "dicom_out", "push", "series"):
        if dicom[option] and not source:
            flag = "--" + option.replace("_", "-")
            raise InvalidInput(f"{flag}: expected --ct DIR or --from-dicomweb URL as well")
    if dicom["push"] and dicom["from_dicomweb"] is None:
        raise InvalidInput("--push: expected --from-dicomweb URL (the PACS to push to)")
    if dicom["series"] and dicom["from_dicomweb"] is None:
        raise InvalidInput("--series: expected --from-dicomweb URL as well")
    return source


def _measure_dicom(dicom: dict[str, Any], options: dict[str, Any]) -> tuple[Any, dict[Path, bytes]]:
    """Measure a CT series (folder or PACS); its SEG + SR files; push them if asked."""
    from kypho.workflows import measure_dicom as wf

    limits = {k: options[k] for k in ("layout", "body_path", "max_voxels", "max_file_bytes")}
    limits["max_slice_thickness_mm"] = options["max_slice_thickness_mm"]
    limits["stations"] = options["stations"]  # one default for every input (the walls)
    limits["density"] = True  # HU per level, the screen and the contrast phase (JSON, SR)
    if dicom["ct"] is not None:
        measured = wf.measure_ct(dicom["ct"], dicom["labels"], **limits)
    else:
        measured = wf.measure_from_dicomweb(
            dicom["from_dicomweb"],
            dicom["study"],
            labels_path=dicom["labels"],
            series_uid=dicom["series"],
            **limits,
        )
    files: dict[Path, bytes] = {}
    if dicom["dicom_out"] is not None or dicom["push"]:
        seg, sr = wf.dicom_results(measured)
        if dicom["dicom_out"] is not None:
            files = wf.dicom_files(dicom["dicom_out"], seg, sr)
        if dicom["push"]:
            wf.push_results(dicom["from_dicomweb"], seg, sr)
    return measured, files


def _check_inputs(
    input_path: Path | None, *, from_dicom: bool, into_case: Path | None, out: Path | None
) -> None:
    if input_path is None and not from_dicom:
        raise InvalidInput("kypho measure: expected INPUT, or --compare EARLIER LATER")
    if input_path is not None and from_dicom:
        raise InvalidInput(f"{input_path}: expected INPUT or --ct/--from-dicomweb, not both")
    if into_case is not None and out is None:
        raise InvalidInput("--into-case: expected --out NEW.json as well")


def _check_dicom_out(folder: Path | None) -> None:
    if folder is not None and not folder.is_dir():
        raise InvalidInput(f"--dicom-out: expected an existing folder, found none at {folder}")
    if folder is not None:
        from kypho.workflows.measure_dicom import SEG_NAME, SR_NAME

        _check_output("--dicom-out", folder / SEG_NAME)
        _check_output("--dicom-out", folder / SR_NAME)


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
    ct: Annotated[Path | None, typer.Option(help="A DICOM CT series folder.")] = None,
    labels: Annotated[
        Path | None, typer.Option(help="Segmentation of --ct: NIfTI on its grid, or DICOM SEG.")
    ] = None,
    dicom_out: Annotated[Path | None, typer.Option(help="Write SEG + SR into this folder.")] = None,
    from_dicomweb: Annotated[
        str | None, typer.Option(help="DICOMweb URL to pull the study from.")
    ] = None,
    study: Annotated[str | None, typer.Option(help="Study Instance UID to pull.")] = None,
    series: Annotated[str | None, typer.Option(help="CT Series Instance UID, if several.")] = None,
    push: Annotated[bool, typer.Option(help="Store SEG + SR in the PACS (STOW-RS).")] = False,
    # The default is kypho's one default (DEFAULT_STATIONS, the walls), as in the app, the
    # screener and the DICOM path: one mask gets one grade wherever it is measured.
    stations: Annotated[
        str | None,
        typer.Option(help="walls (six-point, the default) or ts-15-50-85 (15/50/85 % of depth)."),
    ] = None,
) -> None:
    """Measure vertebral heights, Genant grade, wedge angle and volume per level."""
    from kypho.config import load_settings
    from kypho.imaging.layouts import parse_layout
    from kypho.morphometry.types import DEFAULT_STATIONS
    from kypho.workflows.measure import parse_stations

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
        "stations": DEFAULT_STATIONS if stations is None else parse_stations(stations),
    }
    dicom = {
        "ct": ct,
        "labels": labels,
        "dicom_out": dicom_out,
        "from_dicomweb": from_dicomweb,
        "study": study,
        "series": series,
        "push": push,
    }
    from_dicom = _dicom_options_used(dicom)
    if compare is not None:
        if from_dicom:
            raise InvalidInput(
                "--compare: expected NIfTI or landmark files, not --ct/--from-dicomweb"
            )
        _print_compare(compare[0], compare[1], fmt, options)
        return
    _check_inputs(input_path, from_dicom=from_dicom, into_case=into_case, out=out)
    _check_output("--out", out)
    _check_output("--image", image)
    _check_dicom_out(dicom_out)
    files: dict[Path, bytes] = {}
    if from_dicom:
        measured, files = _measure_dicom(dicom, options)
    else:
        from kypho.workflows.measure import measure_file

        assert input_path is not None  # checked above
        measured = measure_file(input_path, keep_image=image is not None, **options)
    if into_case is not None and out is not None:
        files[out] = _case_with_study(measured, into_case, study_date, study_id)
    drawn = ""
    if image is not None:
        files[image], drawn = _picture(measured)
    shown = None if image is None else {"path": str(image), "shows": drawn}
    density = getattr(measured, "density", None)  # a CT series: its bone density
    text = _spine_text(measured.spine, fmt, cobb or [], image=shown, density=density)
    if files:
        from kypho.documents.write import write_documents

        write_documents(files, suffixes=None)
    typer.echo(text)


def register(app: typer.Typer) -> None:
    """Add ``kypho measure`` to ``app``."""
    app.command("measure")(measure_command)
