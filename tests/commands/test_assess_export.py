"""``kypho assess EXPORT --out FILE.parquet`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kypho.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON = "2026-11-21"
BAD = ("not json", '{"patient": {}}')  # (tests/population covers every reason)


def example_lines() -> list[str]:
    return [json.dumps(json.loads(p.read_text("utf-8"))) for p in sorted(EXAMPLES.glob("*.json"))]


def write_jsonl(path: Path) -> list[int]:
    """The examples, the bad lines, the examples again; the bad lines' numbers."""
    good = example_lines()
    path.write_text("\n".join([*good, *BAD, *good]) + "\n", encoding="utf-8")
    return [len(good) + 1 + i for i in range(len(BAD))]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_export_with_bad_lines_is_written_whole_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_jsonl(tmp_path / "export.jsonl")
    out = tmp_path / "decisions.parquet"
    code, stdout, err = run(
        capsys, "assess", str(tmp_path / "export.jsonl"), "--out", str(out), "--on", ON,
        "-p", "medicare-l34106",
    )  # fmt: skip
    assert code == 2
    n = len(example_lines())
    assert f"{2 * n + len(bad)} case(s) read" in stdout
    assert "medicare-l34106: candidate " in stdout and "Decision support only" in stdout
    for line in bad:
        assert f"kypho: error: {tmp_path / 'export.jsonl'} line {line}: " in err
    assert f"{len(bad)} case line(s) could not be assessed" in err
    table = pq.read_table(out)
    assert table.num_rows == 2 * n + len(bad)
    assert set(table.column("policy_id").drop_null().to_pylist()) == {"medicare-l34106"}


def test_a_clean_export_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clean.ndjson"
    path.write_text("\n".join(example_lines()) + "\n", encoding="utf-8")
    code, stdout, err = run(
        capsys, "assess", str(path), "--out", str(tmp_path / "d.parquet"), "--on", ON
    )
    assert (code, err) == (0, "")
    assert f"{len(example_lines())} case(s) read" in stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "--out: expected FILE.parquet to write the decisions of"),
        (("--out", "d.csv"), "--out: expected a file name ending in .parquet, got d.csv"),
        (("--out", "d.parquet", "--lines-per-task", "0"), "--lines-per-task: expected at least 1"),
    ],
)
def test_bad_export_options_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(example_lines()[0] + "\n", encoding="utf-8")
    code, _, err = run(capsys, "assess", str(path), "--on", ON, *extra)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_case_files_keep_their_behaviour_and_refuse_export_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(EXAMPLES / "01-acute-l1-worsening-candidate.json")
    code, _, err = run(capsys, "assess", case, "--out", str(tmp_path / "d.parquet"))
    assert code == 2 and "--out: expected only with exports" in err
    code, _, err = run(capsys, "assess", case, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "--scheduler: expected only with exports" in err
    export = tmp_path / "e.jsonl"
    export.write_text(example_lines()[0] + "\n", encoding="utf-8")
    code, _, err = run(capsys, "assess", case, str(export), "--out", str(tmp_path / "d.parquet"))
    assert code == 2 and "expected exports only" in err
    assert not (tmp_path / "d.parquet").exists()
