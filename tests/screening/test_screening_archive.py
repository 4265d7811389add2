"""A 52-study synthetic archive screened in process and on a 2-process LocalCluster.

The archive (``kypho_screening_support``) is built once for the module and screened by
a plain loop; the cluster is started once and closed at the end. Its runs (a worker
killed; an interrupted run, then ``resume``) must give exactly the loop's rows. Expected
values come from how the phantoms were built (heights, HU), never from the code under
test.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from kypho_screening_support import CountingScreen, Truth, build_archive

from kypho.screening import find_studies, local_client, screen_all
from kypho.screening.batch import BatchSummary
from kypho.screening.output import CSV, HTML, PARQUET, PARTS
from kypho.screening.progress import Progress
from kypho.screening.types import Study


@dataclass
class Screened:
    truth: Truth
    studies: tuple[Study, ...]
    summary: BatchSummary
    table: pa.Table

    def rows(self, study_id: str) -> list[dict]:
        return [r for r in self.table.to_pylist() if r["study_id"] == study_id]


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Screened:
    root = tmp_path_factory.mktemp("archive")
    truth = build_archive(root)
    studies = find_studies(root).studies
    out = tmp_path_factory.mktemp("loop")
    summary = screen_all(studies, out=out)  # a plain loop in this process
    return Screened(truth, studies, summary, pq.read_table(out / PARQUET))


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with local_client(workers=2, memory_limit="1GiB") as c:
        yield c


def test_every_study_is_accounted_for_and_failures_have_reasons(screened: Screened) -> None:
    truth = screened.truth
    assert len(screened.studies) >= 50
    ids = set(screened.table.column("study_id").to_pylist())
    assert ids == {s.study_id for s in screened.studies}
    failed = {r.study_id: r.failure or "" for r in screened.summary.failed}
    assert set(failed) == set(truth.bad)
    for study_id, words in truth.bad.items():
        assert words in failed[study_id], failed[study_id]
        assert str(truth.root / study_id) in failed[study_id]  # names the file
        (row,) = screened.rows(study_id)
        assert row["status"] == "failed" and row["failure_reason"] == failed[study_id]


def test_recall_of_genant_2_and_3_is_complete_at_the_known_level(screened: Screened) -> None:
    for study_id, fractures in screened.truth.fractures.items():
        rows = {r["level"]: r for r in screened.rows(study_id)}
        assert set(rows) == {"T12", "L1", "L2", "L3"}
        for level, row in rows.items():
            if level in fractures:
                assert row["flag_fracture"], (study_id, row)
                assert row["genant_grade_min"] <= fractures[level] <= row["genant_grade_max"]
            else:
                assert not row["flag_fracture"], (study_id, row)
        assert rows[next(iter(fractures))]["priority"] in (1, 2)


def test_no_false_grade_3_on_normal_spines(screened: Screened) -> None:
    for study_id in screened.truth.normal | {screened.truth.swapped}:
        for row in screened.rows(study_id):
            assert row["genant_grade"] != 3 and row["genant_grade_max"] != 3, (study_id, row)
            assert not row["flag_fracture"], (study_id, row)


def test_density_flag_from_the_known_marrow_hu(screened: Screened) -> None:
    assert len(screened.truth.density) >= 10
    for study_id, flag in screened.truth.density.items():
        rows = screened.rows(study_id)
        assert {r["density_flag"] for r in rows} == {flag}
        (screened_row,) = [r for r in rows if r["level"] == r["density_screened_level"]]
        assert screened_row["flag_low_density"] == (flag != "not low (> 160 HU)")
        fractured = screened.truth.fractures.get(study_id, {})
        if "L1" in fractured:  # a fractured L1 is passed over, and the reason says so
            assert screened_row["level"] in ("T12", "L2")
            assert "L1: Genant grade" in screened_row["density_reason"]
        else:
            assert screened_row["level"] == "L1"
        assert "not a diagnosis" in screened_row["density_reason"]


def test_trabecular_mean_is_the_marrow_hu_not_the_cortex(screened: Screened) -> None:
    marrow_of = {"low (<= 110 HU)": 90.0, "low (<= 160 HU)": 140.0, "not low (> 160 HU)": 220.0}
    for study_id, flag in screened.truth.density.items():
        for row in screened.rows(study_id):
            assert row["trabecular_mean_hu"] == pytest.approx(marrow_of[flag], abs=0.05)
            assert "5.0 mm" in row["trabecular_roi"]


def test_a_bad_ct_keeps_the_morphometry_and_says_why(screened: Screened) -> None:
    for study_id in screened.truth.bad_ct:
        rows = screened.rows(study_id)
        assert {r["status"] for r in rows} == {"screened"} and len(rows) == 4
        assert {r["density_flag"] for r in rows} == {"unknown"}
        assert "CT not used" in rows[0]["density_reason"] and "shape" in rows[0]["density_reason"]


def test_a_swapped_label_is_flagged_on_the_levels_concerned(screened: Screened) -> None:
    rows = {r["level"]: r for r in screened.rows(screened.truth.swapped)}
    for level in ("L1", "L2"):
        assert rows[level]["quality"] == "limited"
        assert "label check: L1 lies below L2" in rows[level]["quality_reasons"]
    assert "label check" not in rows["T12"]["quality_reasons"] + rows["L3"]["quality_reasons"]


def test_outputs_csv_parquet_worklist_and_thumbnails(screened: Screened) -> None:
    out = screened.summary.out
    csv_lines = (out / CSV).read_text("utf-8").splitlines()
    assert len(csv_lines) == screened.table.num_rows + 1
    assert csv_lines[0].startswith("study_id,mask,ct,status,failure_reason,level,genant_grade")
    flagged = [r for r in screened.table.to_pylist() if r["thumbnail"]]
    assert len(flagged) >= len(screened.truth.fractures) + len(screened.truth.density) // 2
    for row in flagged:
        assert (out / row["thumbnail"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / HTML).read_text("utf-8")
    assert "not a diagnosis" in page and "the physician decides" in page
    first_fracture = min(page.index(s) for s in screened.truth.fractures)
    low_only = [s for s in screened.truth.density if s in screened.truth.normal]
    assert first_fracture < min(page.index(s) for s in low_only if s in page)
    for study_id in screened.truth.bad:
        assert study_id in page


KILL_RUN_STUDIES = 16  # enough to have tasks in flight on both workers at the kill


class Interrupted(Exception):
    """The run stopped from outside, as by a crash of the client."""


def test_resume_after_an_interrupted_cluster_run_measures_nothing_twice_and_matches_loop(
    screened: Screened, client: object, tmp_path: Path
) -> None:
    out, first, second = tmp_path / "out", tmp_path / "calls-1", tmp_path / "calls-2"
    first.mkdir()
    second.mkdir()

    def crash(progress: Progress) -> None:
        if progress.done == 20:
            raise Interrupted

    with pytest.raises(Interrupted):
        screen_all(
            screened.studies, out=out, client=client, screen=CountingScreen(first), on_result=crash
        )
    written = {p.name.removesuffix(".json") for p in (out / PARTS).iterdir()}
    assert len(written) == 20
    summary = screen_all(
        screened.studies, out=out, client=client, screen=CountingScreen(second), resume=True
    )
    again = CountingScreen(second).counts()
    assert not written & set(again)  # nothing already written was measured again
    assert set(again.values()) == {1}  # and nothing twice in the resumed run
    assert written | set(again) == {s.key for s in screened.studies}
    assert summary.skipped == 20 and summary.screened == len(screened.studies) - 20
    assert pq.read_table(out / PARQUET).equals(screened.table)


# Last in the module: the killed worker's nanny may still be starting its replacement
# when the cluster closes.
def test_a_worker_killed_mid_run_has_its_tasks_redone(
    screened: Screened, client: object, tmp_path: Path
) -> None:
    pids = client.run(os.getpid)  # type: ignore[attr-defined]
    victim = sorted(pids.values())[0]
    killed: list[int] = []

    def kill_one(progress: Progress) -> None:
        if progress.done == 3 and not killed:
            assert progress.remaining > 0  # mid-run
            os.kill(victim, signal.SIGKILL)
            killed.append(progress.remaining)

    some = screened.studies[:KILL_RUN_STUDIES]
    summary = screen_all(some, out=tmp_path, client=client, on_result=kill_one)
    assert killed and summary.screened == len(some)
    got = pq.read_table(tmp_path / PARQUET).to_pylist()
    ids = {s.study_id for s in some}
    assert got == [r for r in screened.table.to_pylist() if r["study_id"] in ids]
    assert victim not in client.run(os.getpid).values()  # type: ignore[attr-defined]
