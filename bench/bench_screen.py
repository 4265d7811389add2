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
512 x 512 x 600 mask (``bench_measure``'s volume, 24 levels): in this process, kypho's
reader alone, and ``FULL_SPINE_TASKS`` masks on the 2-worker cluster (the aim is for the
machine, both cores).

The process re-runs itself under the workers' allocator settings
(``kypho.screening.batch.worker_environ``: glibc keeps what it frees), so the plain loop
and the workers are compared like for like. ``--studies`` and ``--repeats`` make a short
run (``--studies 12 --repeats 1``: about a minute).

Before any figure is printed the run checks it did the work: every fracture found at
L1, no study failed. Asserts nothing about timings. The machine's load average is
printed beside the figures: on a shared machine the neighbours are in the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

from kypho.screening import local_client, screen_all
from kypho.screening.batch import worker_environ
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
FULL_SPINE_TASKS = 8  # on the 2-worker cluster: 4 masks a worker
REPEATS = 3
MEMORY_LIMIT = "2GiB"


def noop(x: int) -> int:
    return x


def warm(study: Study) -> None:
    """On each worker: imports and first-call costs, out of the timed figures."""
    screen_study(study)


def build_archive(root: Path, count: int = STUDIES) -> list[Study]:
    studies = []
    for n in range(count):
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


def full_spine(tmp: Path) -> tuple[Path, float, float, float]:
    """(the mask, seconds per mask in one process, kypho's reader alone, nibabel's load)."""
    from kypho.imaging.nifti import load_labels

    path = tmp / "full.nii.gz"
    bench_measure.build(path)
    study = Study(study_id="full", mask=path)
    screen_study(study)  # warm up
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(FULL_SPINE_REPEATS):
        result = screen_study(study)
    per_s = (time.perf_counter() - start) / FULL_SPINE_REPEATS
    print(
        f"full spine, one process: {(time.process_time() - cpu_start) / FULL_SPINE_REPEATS:.2f} "
        "s CPU a mask (the wall time below counts the neighbours too)"
    )
    if result.failed or len(result.rows) != len(bench_measure.NAMES):
        raise SystemExit(f"full spine not screened: {result.failure}")
    start = time.perf_counter()
    load_labels(path)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    np.asanyarray(nib.load(path).dataobj)
    return path, per_s, read_s, time.perf_counter() - start


def full_spine_on(client: Any, path: Path) -> float:
    """Masks per second, ``FULL_SPINE_TASKS`` copies of the mask on the cluster."""
    studies = [Study(study_id=f"full-{n}", mask=path) for n in range(FULL_SPINE_TASKS)]
    client.gather(client.map(screen_study, studies[:2], pure=False))  # warm
    cpu_before_s = cpu_s(client)
    start = time.perf_counter()
    results = client.gather(client.map(screen_study, studies, pure=False))
    elapsed_s = time.perf_counter() - start
    cpu_mask_s = (cpu_s(client) - cpu_before_s) / FULL_SPINE_TASKS
    print(
        f"full spine on 2 workers: {cpu_mask_s:.2f} s CPU a mask (client + workers): "
        f"{2 / cpu_mask_s:.2f} masks/s on 2 idle cores"
    )
    if any(r.failed or len(r.rows) != len(bench_measure.NAMES) for r in results):
        raise SystemExit("full spine not screened on the cluster")
    return FULL_SPINE_TASKS / elapsed_s


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--studies", type=int, default=STUDIES, help="archive size")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="interleaved runs")
    return parser.parse_args()


def _same_allocator_as_the_workers() -> None:
    """Re-run this process under the workers' allocator settings (read at start)."""
    wanted = {k: str(v) for k, v in worker_environ(None).items()}
    if any(os.environ.get(k) != v for k, v in wanted.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], os.environ | wanted)


def main() -> None:
    _same_allocator_as_the_workers()
    args = _arguments()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        studies = build_archive(tmp / "archive", args.studies)
        warm(studies[0])  # imports and first-call costs out of the loop's figure
        runs: dict[str, list[tuple[float, float]]] = {"loop": [], "1": [], "2": []}
        path, full_s, read_s, load_s = full_spine(tmp)
        with (
            local_client(workers=1, memory_limit=MEMORY_LIMIT) as one,
            local_client(workers=2, memory_limit=MEMORY_LIMIT) as two,
        ):
            one.run(warm, studies[0])
            two.run(warm, studies[0])
            for r in range(args.repeats):  # interleaved; the fastest of each is kept
                runs["loop"].append(timed_run(studies, tmp, f"loop-{r}"))
                runs["1"].append(timed_run(studies, tmp, f"dask1-{r}", one))
                runs["2"].append(timed_run(studies, tmp, f"dask2-{r}", two))
            overhead_s = overhead(one)
            full_rate = full_spine_on(two, path)
    report(args.studies, runs, overhead_s, (full_s, read_s, load_s, full_rate))


def report(
    count: int,
    runs: dict[str, list[tuple[float, float]]],
    overhead_s: float,
    full: tuple[float, float, float, float],
) -> None:
    best = {k: (min(w for w, _ in v), min(c for _, c in v)) for k, v in runs.items()}
    rate = {k: count / wall_s for k, (wall_s, _) in best.items()}
    cpu = {k: used_s / count for k, (_, used_s) in best.items()}
    print(f"load average (1, 5, 15 min): {os.getloadavg()}; cores: {os.cpu_count()}")
    print(
        f"archive: {count} studies, {len(LEVELS)} levels each, {SPACING_MM} mm, "
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
    full_s, read_s, load_s, full_rate = full
    print(
        f"full spine 512x512x600, 24 levels, one process: {full_s:.2f} s per mask = "
        f"{1 / full_s:.2f} masks/s (kypho's reader alone {read_s:.2f} s, nibabel's load "
        f"{load_s:.2f} s)"
    )
    print(
        f"full spine on 2 workers: {full_rate:.2f} masks/s ({FULL_SPINE_TASKS} masks; "
        "aim >= 5 masks/s on 2 cores)"
    )


if __name__ == "__main__":
    main()
