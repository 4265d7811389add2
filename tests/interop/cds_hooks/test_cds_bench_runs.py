"""``bench/bench_cds.py`` runs end to end (issue 11, item 6): both servers start, every
answer its load generator (``bench/raw_http.py``) reads is a 200 with a card, and the
table has a row per endpoint. Timing is the benchmark's own business; nothing here is
timed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("workers", ["1", "2"])  # 2: kypho serve's listener per worker
def test_the_order_sign_bench_runs_and_every_answer_is_a_card(workers: str) -> None:
    command = [sys.executable, str(ROOT / "bench" / "bench_cds.py"), "--seconds", "0.5",
               "--clients", "2", "--workers", workers]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT,
                         check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    table = [line.split() for line in run.stdout.splitlines()]
    rows = {
        row[0]: row for row in table if row[:1] in (["bare"], ["order-sign"]) and len(row) >= 10
    }  # the table, not the log
    assert set(rows) == {"bare", "order-sign"}, run.stdout
    assert f"{workers} worker(s) each" in run.stdout
    for name, row in rows.items():
        assert row[1] == "2", row  # clients
        assert row[-1] == "none", f"{name}: answers other than 200 with a card: {row}"
        assert float(row[4]) > 0, row  # calls/s: some answers were read
