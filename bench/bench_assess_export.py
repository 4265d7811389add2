"""Reading exports, timed: JSON Lines and Parquet, raw, parsed, and decided end to end.

Used by ``bench_assess.py`` (run that); prints cases per second, one process, one core:
the raw read (lines or rows, no parsing), the case-file reader (``parse_case``: JSON,
schema, domain checks), and ``assess_export`` under Medicare LCD L34106 writing the
decisions to Parquet.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kypho.casefile import dump_case, parse_case
from kypho.domain import Case
from kypho.population import assess_export
from kypho.population.partitions import plan, read
from kypho.rules import load_policy

ROWS_PER_GROUP = 2_000


def time_exports(cases: list[Case], folder: Path, *, on: date) -> None:
    lines = [json.dumps(json.loads(dump_case(c)), separators=(",", ":")) for c in cases]
    jsonl, parquet = folder / "export.jsonl", folder / "export.parquet"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pq.write_table(pa.table({"case": lines}), parquet, row_group_size=ROWS_PER_GROUP)
    n = len(lines)
    print(f"exports: {n} cases, JSON Lines {jsonl.stat().st_size / 1e6:.1f} MB, "
          f"Parquet {parquet.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    t0 = time.perf_counter()
    for line in lines:
        parse_case(line, source="bench")
    t_parse = time.perf_counter() - t0
    print(f"  parse_case alone (JSON, schema, domain):   {n / t_parse:10,.0f} cases/s")
    policy = [load_policy("medicare-l34106")]
    for path in (jsonl, parquet):
        t0 = time.perf_counter()
        count = sum(1 for p in plan(path, lines_per_partition=ROWS_PER_GROUP) for _ in read(p))
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = assess_export(
            [path], policy, on=on, out=folder / "decisions.parquet", max_line_bytes=2_000_000
        )
        t_all = time.perf_counter() - t0
        assert count == n and summary.cases == n and summary.ok
        kind = path.suffix
        print(f"  {kind:<9} raw read (no parsing):           {n / t_read:10,.0f} cases/s")
        print(f"  {kind:<9} read, parse, decide, write:      {n / t_all:10,.0f} cases/s")
