"""An export split into partitions of lines (JSON Lines) or rows (Parquet), and read back.

A partition names its file, where it starts and how many cases it holds, so that a
worker can read it on its own (on Dask the file must be visible to every worker, at the
same path). Planning reads a JSON Lines file once, counting lines; a Parquet file's
plan comes from its metadata.

Layouts
-------
JSON Lines (``.jsonl``, ``.ndjson``): one case file's JSON per line, UTF-8; blank lines
are skipped (and still counted, so line numbers are the file's own).

Parquet (``.parquet``): a string column named ``case`` holding one case file's JSON per
row; other columns are ignored. Rows are numbered from 1 in file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kypho.errors import InvalidInput

JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
EXPORT_SUFFIXES = JSONL_SUFFIXES + PARQUET_SUFFIXES
CASE_COLUMN = "case"


@dataclass(frozen=True, slots=True)
class Partition:
    """``count`` cases of ``path`` from line (or row) ``first`` on, 1-based.

    ``offset`` is the byte offset of line ``first`` (JSON Lines) or the index of the
    row group holding row ``first`` (Parquet).
    """

    path: str
    first: int
    count: int
    offset: int


def is_export(path: Path) -> bool:
    return path.suffix.lower() in EXPORT_SUFFIXES


def plan(path: Path, *, lines_per_partition: int) -> list[Partition]:
    """The partitions of one export file (``InvalidInput`` if it cannot be read)."""
    if lines_per_partition < 1:
        raise InvalidInput(f"--lines-per-task: expected at least 1, got {lines_per_partition}")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            return _plan_parquet(path, lines_per_partition)
        return _plan_jsonl(path, lines_per_partition)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise InvalidInput(f"{path}: cannot read the export: {reason}") from None


def _plan_jsonl(path: Path, size: int) -> list[Partition]:
    parts: list[Partition] = []
    first, offset, line = 1, 0, 0
    with path.open("rb") as stream:
        position = 0
        for raw in stream:
            line += 1
            position += len(raw)
            if line - first + 1 == size:
                parts.append(Partition(str(path), first, size, offset))
                first, offset = line + 1, position
    if line >= first:
        parts.append(Partition(str(path), first, line - first + 1, offset))
    return parts


def _plan_parquet(path: Path, size: int) -> list[Partition]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        meta = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises ArrowInvalid and others for a bad file
        raise InvalidInput(f"{path}: expected a Parquet file, could not read it: {err}") from None
    names = meta.schema_arrow.names
    if CASE_COLUMN not in names:
        raise InvalidInput(
            f"{path}: expected a column {CASE_COLUMN!r} holding each case's JSON, "
            f"found columns {names}"
        )
    parts: list[Partition] = []
    row = 1
    for group in range(meta.num_row_groups):
        rows = meta.metadata.row_group(group).num_rows
        for start in range(0, rows, size):
            parts.append(Partition(str(path), row + start, min(size, rows - start), group))
        row += rows
    return parts


def read(part: Partition) -> Iterator[tuple[int, str | None]]:
    """(line or row number, the case's JSON text) for each case of the partition.

    The text is None for a line that is not UTF-8 (or a null Parquet cell); blank lines
    are left out.
    """
    if Path(part.path).suffix.lower() in PARQUET_SUFFIXES:
        yield from _read_parquet(part)
        return
    with open(part.path, "rb") as stream:
        stream.seek(part.offset)
        for number in range(part.first, part.first + part.count):
            raw = stream.readline()
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            yield number, text


def _read_parquet(part: Partition) -> Iterator[tuple[int, str | None]]:
    import pyarrow.parquet as pq

    export = pq.ParquetFile(part.path)
    table = export.read_row_group(part.offset, columns=[CASE_COLUMN])
    meta = export.metadata
    group_start = 1 + sum(meta.row_group(g).num_rows for g in range(part.offset))
    column = table.column(CASE_COLUMN).slice(part.first - group_start, part.count)
    for i, value in enumerate(column.to_pylist()):
        yield part.first + i, _text(value)


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None
