"""Decide a whole export, in this process or on a Dask cluster, into one Parquet file.

The same pure function (``decide_partition``) runs either way: in a loop here, or as
one Dask task per partition on the cluster at ``scheduler`` (every worker must see the
export at the same path). Results are written in partition order as they arrive, to a
temporary file beside ``out`` that replaces it only once the run is complete: a run
that stops half-way leaves no half-written decisions behind.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from kypho.errors import InvalidInput
from kypho.population.decisions import SCHEMA, decide_partition
from kypho.population.partitions import Partition, plan
from kypho.rules import Policy
from kypho.rules.policy import policy_to_dict

LINES_PER_TASK = 10_000
FAILURES_KEPT = 1_000  # messages kept for the report; every failure stays in the file


@dataclass(slots=True)
class ExportSummary:
    """What a run wrote: cases read, decisions per policy, and the lines that failed."""

    out: Path
    cases: int = 0
    failed_count: int = 0
    failures: list[str] = field(default_factory=list)  # the first FAILURES_KEPT messages
    decisions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return self.failed_count == 0

    def add(self, table: pa.Table) -> None:
        rows = table.select(["line", "policy_id", "decision", "error"]).to_pylist()
        seen_lines = set()
        for row in rows:
            seen_lines.add(row["line"])
            if row["error"] is not None:
                self.failed_count += 1
                if len(self.failures) < FAILURES_KEPT:
                    self.failures.append(row["error"])
            else:
                self.decisions[(row["policy_id"], row["decision"])] += 1
        self.cases += len(seen_lines)


def assess_export(
    paths: Sequence[Path],
    policies: Sequence[Policy],
    *,
    on: date,
    out: Path,
    max_line_bytes: int,
    scheduler: str | None = None,
    lines_per_task: int = LINES_PER_TASK,
) -> ExportSummary:
    """Decide every case of the exports under every policy; write ``out`` (Parquet)."""
    if not policies:
        raise InvalidInput("policies: expected at least one policy to assess against, got none")
    if out.suffix.lower() != ".parquet":
        raise InvalidInput(f"--out: expected a file name ending in .parquet, got {out}")
    if not out.parent.is_dir():
        raise InvalidInput(f"--out: expected a file in a folder that exists, got {out}")
    parts = [p for path in paths for p in plan(path, lines_per_partition=lines_per_task)]
    as_data = [policy_to_dict(p) for p in policies]
    if scheduler is None:
        tables: Iterable[pa.Table] = (
            decide_partition(p, as_data, on=on, max_line_bytes=max_line_bytes) for p in parts
        )
        return _write(tables, out)
    return _on_dask(scheduler, parts, as_data, on, max_line_bytes, out)


def _write(tables: Iterable[pa.Table], out: Path) -> ExportSummary:
    summary = ExportSummary(out=out)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with pq.ParquetWriter(partial, SCHEMA) as writer:
            for table in tables:
                writer.write_table(table)
                summary.add(table)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


def _on_dask(
    scheduler: str,
    parts: list[Partition],
    policies: list[dict[str, Any]],
    on: date,
    max_line_bytes: int,
    out: Path,
) -> ExportSummary:
    from distributed import Client

    try:
        client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        raise InvalidInput(
            f"--scheduler: expected the address of a running Dask scheduler "
            f"(tcp://HOST:PORT), could not reach {scheduler}: {err}"
        ) from None
    with client:
        window = 2 * max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]

        def submit(part: Partition) -> Any:
            return client.submit(
                decide_partition, part, policies, on=on, max_line_bytes=max_line_bytes, pure=False
            )

        return _write(_in_order(parts, submit, window), out)


def _in_order(
    parts: list[Partition], submit: Callable[[Partition], Any], window: int
) -> Iterator[pa.Table]:
    """Each partition's table in order, with at most ``window`` tasks in flight."""
    pending: deque[Any] = deque()
    todo = iter(parts)
    for part in todo:
        pending.append(submit(part))
        if len(pending) >= window:
            break
    while pending:
        table = pending.popleft().result()
        next_part = next(todo, None)
        if next_part is not None:
            pending.append(submit(next_part))
        yield table
