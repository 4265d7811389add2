"""The same export on a real Dask cluster (two worker processes): the same decisions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from kypho_population_support import ON, write_jsonl

from kypho.population import assess_export
from kypho.rules import load_policy, policy_names

distributed = pytest.importorskip("distributed")


def test_a_cluster_writes_what_one_process_writes(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    bad = write_jsonl(export)
    policies = [load_policy(name) for name in policy_names()]
    day = date.fromisoformat(ON)
    here = assess_export(
        [export], policies, on=day, out=tmp_path / "here.parquet", max_line_bytes=2_000_000
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        there = assess_export(
            [export],
            policies,
            on=day,
            out=tmp_path / "there.parquet",
            max_line_bytes=2_000_000,
            scheduler=cluster.scheduler_address,
            lines_per_task=5,  # several tasks on each worker
        )
    assert pq.read_table(tmp_path / "there.parquet").equals(
        pq.read_table(tmp_path / "here.parquet")
    )
    assert (there.cases, there.failed_count) == (here.cases, len(bad))
    assert there.decisions == here.decisions
