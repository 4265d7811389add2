"""Whole exports decided in one process: every line accounted for, decisions as ``assess``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from kypho_population_support import (
    ON,
    example_lines,
    expected_decisions,
    write_jsonl,
    write_parquet,
)

from kypho.errors import InvalidInput
from kypho.population import assess_export
from kypho.population.partitions import plan, read
from kypho.rules import load_policy, policy_names

DAY = date.fromisoformat(ON)
POLICIES = [load_policy(name) for name in policy_names()]


def _run(path: Path, out: Path, *, lines_per_task: int = 4) -> list[dict[str, object]]:
    summary = assess_export(
        [path], POLICIES, on=DAY, out=out, max_line_bytes=2_000_000, lines_per_task=lines_per_task
    )
    rows: list[dict[str, object]] = pq.read_table(out).to_pylist()
    assert summary.failed_count == sum(1 for r in rows if r["error"])
    assert summary.cases == len({r["line"] for r in rows})
    return rows


def test_a_jsonl_export_decides_every_good_line_as_assess_does(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "export.jsonl")
    rows = _run(tmp_path / "export.jsonl", tmp_path / "out.parquet")
    expected = expected_decisions()
    n_good = len(example_lines())
    good = [r for r in rows if not r["error"]]
    assert len(good) == 2 * n_good * len(POLICIES)  # the examples twice, every policy
    for r in good:
        decision, levels, missing = expected[(str(r["case_id"]), str(r["policy_id"]))]
        assert (r["decision"], r["levels"], r["missing_count"]) == (decision, levels, missing)
    assert {r["line"] for r in good} == set(range(1, n_good + 1)) | set(
        range(n_good + 5, 2 * n_good + 5)
    )  # line n_good + 1 is blank, then three bad lines
    errors = {r["line"]: r["error"] for r in rows if r["error"]}
    assert sorted(errors) == sorted(bad)
    for line, reason in bad.items():
        assert f"export.jsonl line {line}: " in str(errors[line])
        assert reason in str(errors[line])


def test_parquet_rows_decide_as_the_same_lines_do(tmp_path: Path) -> None:
    texts: list[str | None] = [*example_lines(), "not json", None]
    write_parquet(tmp_path / "export.parquet", texts, rows_per_group=4)
    (tmp_path / "same.jsonl").write_text("\n".join(example_lines()) + "\n", encoding="utf-8")
    from_parquet = _run(tmp_path / "export.parquet", tmp_path / "a.parquet", lines_per_task=3)
    from_jsonl = _run(tmp_path / "same.jsonl", tmp_path / "b.parquet", lines_per_task=100)
    strip = [{k: v for k, v in r.items() if k != "source"} for r in from_parquet]
    assert strip[: len(from_jsonl)] == [
        {k: v for k, v in r.items() if k != "source"} for r in from_jsonl
    ]
    errors = [(r["line"], r["error"]) for r in from_parquet if r["error"]]
    n = len(example_lines())
    assert [line for line, _ in errors] == [n + 1, n + 2]
    assert "not valid JSON" in str(errors[0][1]) and "UTF-8" in str(errors[1][1])


def test_a_parquet_export_without_the_case_column_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa

    pq.write_table(pa.table({"json": ["{}"]}), tmp_path / "wrong.parquet")
    with pytest.raises(InvalidInput, match="expected a column 'case'.*found columns \\['json'\\]"):
        _run(tmp_path / "wrong.parquet", tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_partitions_cover_every_line_once(tmp_path: Path) -> None:
    path = tmp_path / "ten.jsonl"
    path.write_text("".join(f'{{"n": {i}}}\n' for i in range(1, 11)), encoding="utf-8")
    parts = plan(path, lines_per_partition=4)
    assert [(p.first, p.count) for p in parts] == [(1, 4), (5, 4), (9, 2)]
    read_back = [(line, text) for p in parts for line, text in read(p)]
    assert read_back == [(i, f'{{"n": {i}}}\n') for i in range(1, 11)]


def test_a_failed_run_leaves_no_output_behind(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    with pytest.raises(InvalidInput, match="cannot read the export"):
        _run(tmp_path / "absent.jsonl", out)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInput, match="--out: expected a file in a folder that exists"):
        _run(tmp_path / "absent.jsonl", tmp_path / "no" / "out.parquet")
