"""The output folder: one part file per study as results arrive, then the tables.

Every file is written whole or not at all (a temporary file in the same folder, then
``os.replace``), so a crash loses nothing already written and leaves nothing half-written.
A study's thumbnails are written before its part file: a part file on disk means the
study is done (``--resume`` trusts exactly that).

Layout::

    OUT/parts/<key>.json         one per study (key: a hash of the study id)
    OUT/thumbnails/<key>-<LEVEL>.png
    OUT/screening.parquet, OUT/screening.csv, OUT/worklist.html
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from kypho.errors import InvalidInput
from kypho.screening.types import COLUMNS, FailureKind, Study, StudyResult

PARTS, THUMBNAILS = "parts", "thumbnails"
PARQUET, CSV, HTML = "screening.parquet", "screening.csv", "worklist.html"
PART_FORMAT = "kypho-screening-part/1"
_INTS = {"genant_grade", "genant_grade_min", "genant_grade_max", "trabecular_voxels", "priority"}
_FLOATS = {
    "height_loss_pct",
    "anterior_height_mm",
    "middle_height_mm",
    "posterior_height_mm",
    "wedge_angle_deg",
    "trabecular_mean_hu",
    "trabecular_median_hu",
}
_BOOLS = {"flag_fracture", "flag_possible_fracture", "flag_low_density", "flag_limited"}
SCHEMA = pa.schema(
    [
        (
            name,
            pa.int64()
            if name in _INTS
            else pa.float64()
            if name in _FLOATS
            else pa.bool_()
            if name in _BOOLS
            else pa.string(),
        )
        for name in COLUMNS
    ]
)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole: a temporary file beside it, flushed, renamed."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def prepare(out: Path, *, resume: bool) -> None:
    """Create ``out``; refuse a folder holding an earlier run unless resuming."""
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out}: expected a folder, found a file")
    earlier = out / PARTS
    if not resume and earlier.is_dir() and any(earlier.iterdir()):
        raise InvalidInput(
            f"--out {out}: expected an empty folder, found results of an earlier run; "
            "pass --resume to continue it, or choose another folder"
        )
    (out / PARTS).mkdir(parents=True, exist_ok=True)
    (out / THUMBNAILS).mkdir(exist_ok=True)


def part_path(out: Path, study: Study) -> Path:
    return out / PARTS / f"{study.key}.json"


def write_part(out: Path, study: Study, result: StudyResult) -> None:
    """The study's thumbnails, then its part file (the mark that it is done)."""
    for name, png in result.thumbnails.items():
        write_atomically(out / name, png)
    doc = {
        "format": PART_FORMAT,
        "study_id": result.study_id,
        "failure": result.failure,
        "failure_kind": None if result.failure_kind is None else result.failure_kind.value,
        "rows": list(result.rows),
    }
    write_atomically(part_path(out, study), json.dumps(doc).encode("utf-8"))


def read_part(out: Path, study: Study) -> StudyResult | None:
    """The stored result of ``study``, or None (absent, or not a part of this study)."""
    path = part_path(out, study)
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != PART_FORMAT:
        return None
    if doc.get("study_id") != study.study_id:
        return None
    kind = doc.get("failure_kind")
    return StudyResult(
        study_id=study.study_id,
        rows=tuple(doc["rows"]),
        failure=doc.get("failure"),
        failure_kind=None if kind is None else FailureKind(kind),
    )


def _table(results: Iterable[StudyResult]) -> pa.Table:
    rows = [row for result in results for row in result.rows]
    return pa.Table.from_pylist([{c: r.get(c) for c in COLUMNS} for r in rows], schema=SCHEMA)


def _csv_bytes(results: Sequence[StudyResult]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for result in results:
        for row in result.rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
    return text.getvalue().encode("utf-8")


def write_tables(out: Path, results: Sequence[StudyResult]) -> pa.Table:
    """``screening.parquet`` and ``screening.csv``, rows in the order of ``results``."""
    table = _table(results)
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer)
    write_atomically(out / PARQUET, buffer.getvalue().to_pybytes())
    write_atomically(out / CSV, _csv_bytes(results))
    return table
