"""Benchmark: kypho screen's studies per second, in one process and on Dask, in one run.

The archive: ``STUDIES`` phantom spines (T10-L5 on a 1.5 mm grid, TotalSegmentator ids,
``tests/phantoms.py``): every third with a wedge fracture at L1 (grade 3 by design), every
second with a CT (known marrow HU), screened with thumbnails, written as part files,
Parquet, CSV and the worklist, exactly as ``kypho screen`` does. Timed, on the same
archive: the plain loop in this process (the baseline), Dask with 1 worker and with 2
workers (LocalCluster, one thread each, warmed by one task first so worker imports are
not counted), ``REPEATS`` times interleaved, keeping the fastest wall time and the least
CPU time of each (on a shared machine the slow runs measure the neighbours). Then
Dask's per-task overhead (no-op tasks on one worker) and the rate on a full-spine
512 x 512 x 600 mask (``bench_measure``'s volume, 24 levels).

Before any figure is printed the run checks it did the work: every fracture found at
L1, no study failed. Asserts nothing about timings. The machine's load average is
printed beside the figures: on a shared machine the neighbours are in the numbers.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

from kypho.screening import local_client, screen_all
from kypho.screening.study import screen_study
from kypho.screening.types import Study

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_measure  # noqa: E402
from phantoms import TOTAL_IDS, normal, spine, wedge  # noqa: E402

STUDIES = 48
LEVELS = ("T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5")
SPACING_MM = (1.5, 1.5, 1.5)  # TotalSegmentator's own resampling
NOOP_TASKS = 2000
FULL_SPINE_REPEATS = 3
REPEATS = 3


def noop(x: int) -> int:
    return x


def warm(study: Study) -> None:
    """On each worker: imports and first-call costs, out of the timed figures."""
    screen_study(study)


def build_archive(root: Path) -> list[Study]:
    studies = []
    for n in range(STUDIES):
        fractured = n % 3 == 0
        specs = [
            wedge(lv, anterior_height_mm=12.0) if fractured and lv == "L1" else normal(lv)
            for lv in LEVELS
        ]
        ph = spine(specs, spacing_mm=SPACING_MM, label_ids=TOTAL_IDS, seed=n % 3)
        folder = root / f"study-{n:03d}"
        folder.mkdir(parents=True)
        nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(folder / "mask.nii.gz"))
        ct = None
        if n % 2 == 0:
            hu = np.where(ph.labels > 0, 120 + n, -50).astype(np.int16)
            nib.save(nib.Nifti1Image(hu, ph.affine), str(folder / "ct.nii.gz"))
            ct = folder / "ct.nii.gz"
        studies.append(Study(study_id=folder.name, mask=folder / "mask.nii.gz", ct=ct))
    return studies


def check(summary: Any, studies: list[Study], out: Path) -> None:
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "screening.parquet").to_pylist()
    found = {r["study_id"] for r in rows if r["level"] == "L1" and r["genant_grade"] == 3}
    want = {s.study_id for n, s in enumerate(studies) if n % 3 == 0}
    faults = [f"failed: {[f.study_id for f in summary.failed]}"] if summary.failed else []
    if found != want:
        faults.append(f"L1 grade 3 in {sorted(found)}, expected {sorted(want)}")
    if faults:
        raise SystemExit("benchmark did not do the work it timed:\n  " + "\n  ".join(faults))


def cpu_s(client: Any) -> float:
    """CPU seconds used so far by this process and, with a client, by every worker."""
    workers = client.run(time.process_time).values() if client is not None else ()
    return time.process_time() + sum(workers)


def timed_run(
    studies: list[Study], tmp: Path, name: str, client: Any = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of client and workers) for the archive."""
    out = tmp / name
    cpu_before_s = cpu_s(client)
    start = time.perf_counter()
    summary = screen_all(studies, out=out, client=client)
    elapsed_s = time.perf_counter() - start
    used_s = cpu_s(client) - cpu_before_s
    check(summary, studies, out)
    return elapsed_s, used_s


def overhead(client: Any) -> float:
    """Seconds per no-op task, one at a time through the scheduler and back."""
    client.gather(client.map(noop, range(100), pure=False))
    start = time.perf_counter()
    client.gather(client.map(noop, range(NOOP_TASKS), pure=False))
    return (time.perf_counter() - start) / NOOP_TASKS


def full_spine(tmp: Path) -> tuple[float, float]:
    """(seconds per 512 x 512 x 600 mask in one process, nibabel's load of it)."""
    path = tmp / "full.nii.gz"
    bench_measure.build(path)
    study = Study(study_id="full", mask=path)
    screen_study(study)  # warm up
    start = time.perf_counter()
    for _ in range(FULL_SPINE_REPEATS):
        result = screen_study(study)
    per_s = (time.perf_counter() - start) / FULL_SPINE_REPEATS
    if result.failed or len(result.rows) != len(bench_measure.NAMES):
        raise SystemExit(f"full spine not screened: {result.failure}")
    start = time.perf_counter()
    np.asanyarray(nib.load(path).dataobj)
    return per_s, time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        studies = build_archive(tmp / "archive")
        warm(studies[0])  # imports and first-call costs out of the loop's figure
        runs: dict[str, list[tuple[float, float]]] = {"loop": [], "1": [], "2": []}
        with (
            local_client(workers=1, memory_limit="2GiB") as one,
            local_client(workers=2, memory_limit="2GiB") as two,
        ):
            one.run(warm, studies[0])
            two.run(warm, studies[0])
            for r in range(REPEATS):  # interleaved; the fastest of each is kept
                runs["loop"].append(timed_run(studies, tmp, f"loop-{r}"))
                runs["1"].append(timed_run(studies, tmp, f"dask1-{r}", one))
                runs["2"].append(timed_run(studies, tmp, f"dask2-{r}", two))
            overhead_s = overhead(one)
        full_s, load_s = full_spine(tmp)
    best = {k: (min(w for w, _ in v), min(c for _, c in v)) for k, v in runs.items()}
    rate = {k: STUDIES / wall_s for k, (wall_s, _) in best.items()}
    cpu = {k: used_s / STUDIES for k, (_, used_s) in best.items()}
    print(f"load average (1, 5, 15 min): {os.getloadavg()}; cores: {os.cpu_count()}")
    print(
        f"archive: {STUDIES} studies, {len(LEVELS)} levels each, {SPACING_MM} mm, "
        "half with a CT; checked: every L1 fracture found, no failure"
    )
    for key, label in (
        ("loop", "plain loop, one process (baseline)"),
        ("1", "Dask LocalCluster, 1 worker       "),
        ("2", "Dask LocalCluster, 2 workers      "),
    ):
        print(
            f"{label}: {rate[key]:6.2f} studies/s, {cpu[key] * 1e3:6.0f} ms CPU a study "
            "(client + workers)"
        )
    print(
        f"scaling efficiency at 2 workers: {rate['2'] / (2 * rate['1']):.0%} of 2x one worker, "
        f"{rate['2'] / (2 * rate['loop']):.0%} of 2x the plain loop (aim >= 90 %)"
    )
    print(
        f"Dask per-task overhead (no-op, 1 worker): {overhead_s * 1e3:.2f} ms "
        f"({overhead_s / cpu['loop']:.1%} of one study's CPU time)"
    )
    print(
        f"CPU cost of Dask per study: {cpu['1'] / cpu['loop']:.2f}x the loop at 1 worker, "
        f"{cpu['2'] / cpu['loop']:.2f}x at 2 (independent of the neighbours' load)"
    )
    print(
        f"full spine 512x512x600, 24 levels, one process: {full_s:.2f} s per mask = "
        f"{1 / full_s:.2f} masks/s (nibabel load alone {load_s:.2f} s; aim >= 5 masks/s "
        "on 2 cores)"
    )


if __name__ == "__main__":
    main()
