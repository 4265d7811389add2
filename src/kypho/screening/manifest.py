"""Which studies to screen: a manifest CSV, or an archive folder walked one level deep.

Archive folder, sorted by name; each entry is one study, its id the entry's name:

- a file ``NAME.nii`` or ``NAME.nii.gz``: a label mask, no CT;
- a folder holding ``mask.nii.gz`` (or ``mask.nii``, ``segmentation.nii[.gz]``) and
  optionally its CT on the same grid, ``ct.nii.gz`` (or ``ct.nii``) or a DICOM series
  folder ``ct/``, and ``contrast_phase.txt``;
- any other folder: a TotalSegmentator folder of ``vertebrae_<LEVEL>.nii.gz`` files (a
  folder that is not one fails alone, with its reason, like every bad study).

Hidden entries and other files are ignored, and counted (``Archive.ignored``).

Manifest CSV (UTF-8, a header row): ``study_id`` and ``mask`` required, ``ct`` and
``contrast_phase`` optional (``ct``: a NIfTI file or a DICOM series folder); relative
paths are relative to the CSV's folder. A bad
manifest (no such column, an empty or duplicate id) is ``InvalidInput`` naming the line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from kypho.errors import InvalidInput
from kypho.screening.types import Study

MASK_NAMES = ("mask.nii.gz", "mask.nii", "segmentation.nii.gz", "segmentation.nii")
CT_NAMES = ("ct.nii.gz", "ct.nii")
CT_SERIES_FOLDER = "ct"  # a DICOM CT series, one file a slice
NIFTI_SUFFIXES = (".nii.gz", ".nii")
REQUIRED_COLUMNS = ("study_id", "mask")
OPTIONAL_COLUMNS = ("ct", "contrast_phase")
MAX_MANIFEST_BYTES = 200_000_000  # PROJECT CONVENTION: about a million studies


@dataclass(frozen=True, slots=True, kw_only=True)
class Archive:
    studies: tuple[Study, ...]
    ignored: int = 0  # entries of an archive folder that are not studies


def find_studies(source: Path) -> Archive:
    """The studies of an archive folder or a manifest CSV file."""
    if source.is_dir():
        return _walk(source)
    if source.is_file() and source.suffix.lower() == ".csv":
        return Archive(studies=read_manifest(source))
    raise InvalidInput(
        f"{source}: expected an archive folder or a manifest .csv file, found "
        + ("a file of another kind" if source.exists() else "no such path")
    )


def _nifti_stem(name: str) -> str | None:
    low = name.lower()
    suffix = next((s for s in NIFTI_SUFFIXES if low.endswith(s)), None)
    return None if suffix is None else name[: -len(suffix)]


def _folder_study(folder: Path) -> Study:
    mask = next((folder / n for n in MASK_NAMES if (folder / n).is_file()), folder)
    ct = next((folder / n for n in CT_NAMES if (folder / n).is_file()), None)
    if ct is None and (folder / CT_SERIES_FOLDER).is_dir():
        ct = folder / CT_SERIES_FOLDER
    phase_file = folder / "contrast_phase.txt"
    phase = (phase_file.read_text("utf-8").strip() or None) if phase_file.is_file() else None
    return Study(study_id=folder.name, mask=mask, ct=ct, contrast_phase=phase)


def _walk(folder: Path) -> Archive:
    studies, ignored = [], 0
    for entry in sorted(folder.iterdir()):
        stem = _nifti_stem(entry.name)
        if entry.name.startswith("."):
            ignored += 1
        elif entry.is_dir():
            studies.append(_folder_study(entry))
        elif entry.is_file() and stem:
            studies.append(Study(study_id=stem, mask=entry))
        else:
            ignored += 1
    if not studies:
        raise InvalidInput(
            f"{folder}: expected studies (NIfTI masks, or one folder per study), found none"
        )
    _check_unique(folder, [(s.study_id, n) for n, s in enumerate(studies, 1)], "entry")
    return Archive(studies=tuple(studies), ignored=ignored)


def _check_unique(where: Path, ids: list[tuple[str, int]], noun: str) -> None:
    first: dict[str, int] = {}
    for study_id, line in ids:
        if study_id in first:
            raise InvalidInput(
                f"{where}: {noun} {line}: expected unique study ids, found {study_id!r} "
                f"again (first at {noun} {first[study_id]})"
            )
        first[study_id] = line


def _path(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def read_manifest(path: Path) -> tuple[Study, ...]:
    """The studies listed in a manifest CSV (see the module docstring)."""
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise InvalidInput(f"{path}: expected at most {MAX_MANIFEST_BYTES:,} bytes")
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            columns = tuple(reader.fieldnames or ())
            _check_columns(path, columns)
            rows = [(n, row) for n, row in enumerate(reader, start=2)]
    except (UnicodeDecodeError, csv.Error) as err:
        raise InvalidInput(f"{path}: expected a UTF-8 CSV file, found {err}") from None
    studies = [_manifest_study(path, n, row) for n, row in rows]
    if not studies:
        raise InvalidInput(f"{path}: expected at least one study row, found none")
    _check_unique(path, [(s.study_id, n) for (n, _), s in zip(rows, studies, strict=True)], "line")
    return tuple(studies)


def _check_columns(path: Path, columns: tuple[str, ...]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"{path}: line 1: expected columns study_id, mask (and optionally ct, "
            f"contrast_phase), found {', '.join(columns) or 'none'}"
        )


def _manifest_study(path: Path, line: int, row: dict[str, str | None]) -> Study:
    if None in row:
        raise InvalidInput(f"{path}: line {line}: expected {len(row) - 1} fields, found more")
    study_id, mask = (row.get("study_id") or "").strip(), (row.get("mask") or "").strip()
    for column, value in (("study_id", study_id), ("mask", mask)):
        if not value:
            raise InvalidInput(f"{path}: line {line}: {column}: expected a value, found none")
    ct = (row.get("ct") or "").strip()
    return Study(
        study_id=study_id,
        mask=_path(path.parent, mask),
        ct=_path(path.parent, ct) if ct else None,
        contrast_phase=(row.get("contrast_phase") or "").strip() or None,
    )
