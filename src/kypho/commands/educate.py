"""``kypho educate``: the planned procedure shown on the patient's own vertebra.

Parse, call ``kypho.workflows.educate.educate_case``, write the page, the GIF and one
PNG per step into ``--out`` (all or none), print what was made and from what. The shape
comes from ``--mask`` (3-D), or ``--landmarks`` (a 2-D side view), or neither (a standard
vertebra); ``--mask`` and ``--landmarks`` together are refused.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kypho.errors import InvalidInput

if TYPE_CHECKING:
    from kypho.config import Settings
    from kypho.education.sideview import LandmarkFile
    from kypho.imaging.nifti import LabelImage


def _out_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out: expected a folder, found a file at {out}")
    if not out.exists() and not out.parent.is_dir():
        raise InvalidInput(
            f"--out: expected a folder whose parent exists, found none at {out.parent}"
        )


def _shape_from(
    settings: Settings, mask: Path | None, landmarks: Path | None
) -> tuple[LabelImage | None, LandmarkFile | None]:
    """The mask or the landmarks read (each within its size limit), or neither."""
    from kypho.education.sideview import LandmarkFile
    from kypho.imaging.landmarks import load_landmarks
    from kypho.imaging.nifti import load_labels

    if mask is not None:
        return load_labels(mask, max_voxels=settings.max_image_voxels,
                           max_file_bytes=settings.max_image_file_bytes), None  # fmt: skip
    if landmarks is not None:
        spine = load_landmarks(landmarks, max_file_bytes=settings.max_landmarks_file_bytes)
        return None, LandmarkFile(path=landmarks, spine=spine)
    return None, None


def educate_command(
    case_file: Annotated[Path, typer.Argument(help="Case file (JSON).", dir_okay=False)],
    out: Annotated[Path, typer.Option(help="Folder for the page, the GIF and the PNGs.")],
    mask: Annotated[
        Path | None,
        typer.Option(help="NIfTI label mask of the case (default: a standard vertebra)."),
    ] = None,
    landmarks: Annotated[
        Path | None,
        typer.Option(help="Six-point landmarks of the case (kypho-landmarks/1): a 2-D side view."),
    ] = None,
    level: Annotated[str | None, typer.Option(help="A planned level (default: the first).")] = None,
    policy: Annotated[str, typer.Option(help="Candidacy or coverage policy id.")] = "practice",
    on: Annotated[str | None, typer.Option(help="Assessment date (default today).")] = None,
) -> None:
    """Make a patient page and GIF of the planned procedure on the patient's vertebra."""
    from kypho.casefile import load_case
    from kypho.commands._options import optional_date
    from kypho.config import load_settings
    from kypho.documents.types import ClinicContact
    from kypho.documents.write import write_documents
    from kypho.policyfile import load_policy
    from kypho.workflows.educate import educate_case

    settings = load_settings()
    if mask is not None and landmarks is not None:  # before anything is read
        raise InvalidInput("--mask, --landmarks: expected one of them, got both")
    _out_folder(out)
    assessed_on = optional_date("--on", on) or date.today()
    case = load_case(case_file, max_bytes=settings.max_case_file_bytes)
    image, points = _shape_from(settings, mask, landmarks)
    clinic = ClinicContact(name=settings.clinic_name, phone=settings.clinic_phone)
    made = educate_case(case, load_policy(policy), on=assessed_on, mask=image, level=level,
                        clinic=clinic, landmarks=points)  # fmt: skip
    out.mkdir(exist_ok=True)
    files = {out / name: content for name, content in made.files().items()}
    write_documents(files, suffixes=None)
    for note in made.notes:
        typer.echo(note)
    for path in files:
        typer.echo(f"wrote {path}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``kypho educate`` to ``app``."""
    app.command("educate")(educate_command)
