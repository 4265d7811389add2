"""Screen many studies: one Dask task per study, results written as they arrive.

``screen_all`` takes a ``distributed.Client`` (a ``LocalCluster``'s or a real cluster's)
or ``None`` for a plain loop in this process; both write the same files (``output``).
The client process writes every file, so workers need to read the studies but never
the output folder. A task that raises is retried (``TASK_RETRIES``); a task whose worker
dies is rescheduled by the scheduler (``distributed.scheduler.allowed-failures``); a
study that still cannot be done is a ``WORKER`` failure, which ``--resume`` tries again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kypho.screening import output
from kypho.screening.progress import Progress
from kypho.screening.study import DEFAULT_OPTIONS, screen_study
from kypho.screening.types import FailureKind, ScreenOptions, Study, StudyResult, failed_result
from kypho.screening.worklist_html import worklist_html

if TYPE_CHECKING:
    from distributed import Client

# glibc's allocator in each worker (read at process start). Dask's nanny sets
# MALLOC_TRIM_THRESHOLD_=65536, and an explicit trim threshold also turns off glibc's
# sliding mmap threshold (mallopt(3)), so every numpy temporary over 128 KiB was mapped
# and unmapped anew: 4,100 page faults a phantom study, 159,000 (620 MB) a full-spine
# mask; on this project's VMs a page the host must hand back costs about 1.6 ms CPU a
# MB. So a worker keeps what it frees, up to WORKER_KEPT_FREED_MAX_BYTES (a quarter of
# its memory limit at most), and serves even large arrays from its heap (no mmap) in one
# arena: no page fault a study once warm. PROJECT MEASUREMENTS (bench/bench_screen.py).
WORKER_KEPT_FREED_MAX_BYTES = 2**30
WORKER_KEPT_FREED_MIN_BYTES = 64 * 2**20
# An idle LocalCluster of 2 workers used 81 ms CPU a second (client and scheduler 44,
# each worker 18): event-loop ticks every 20 ms, system monitors every 500 ms, work
# stealing (needless with the scheduler's queue of one-study tasks). These settings
# brought it to 28 ms/s; the memory monitor (limits) keeps its 100 ms. PROJECT
# MEASUREMENTS (bench/bench_screen.py); the dashboard, when asked for, gets the defaults.
QUIET_CLUSTER = {
    "distributed.admin.tick.interval": "200ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.scheduler.work-stealing": False,
}
TASK_RETRIES = 2  # a task that raised (a transient read error) is tried this often again
Screen = Callable[[Study, ScreenOptions], StudyResult]
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchSummary:
    total: int
    screened: int  # in this run
    skipped: int  # already written by an earlier run (``resume``)
    failed: tuple[StudyResult, ...]  # every failed study, this run's and earlier ones
    out: Path


@contextmanager
def local_client(
    *, workers: int, memory_limit: str | float = "auto", dashboard: bool = False
) -> Iterator[Client]:
    """A ``LocalCluster`` of ``workers`` single-threaded processes, and its client.

    ``memory_limit`` is per worker (``"4GiB"``; ``"auto"``: the machine's memory shared
    out); a worker past 95 % of it is restarted and its study retried elsewhere.
    """
    import dask
    from distributed import Client, LocalCluster
    from distributed.worker_memory import parse_memory_limit

    limit = parse_memory_limit(memory_limit, 1, total_cores=workers, logger=logger)
    settings = {
        "distributed.nanny.pre-spawn-environ": worker_environ(limit),
        # The statistical profiler feeds the dashboard's profile page only; it cost
        # about 15 % of a study's CPU time (bench/bench_screen.py).
        "distributed.worker.profile.enabled": dashboard,
    } | ({} if dashboard else QUIET_CLUSTER)
    with (
        dask.config.set(settings),
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            # The scheduler serves HTTP (health, metrics) either way: on a free port
            # unless the dashboard is asked for, so a busy 8787 is no matter.
            dashboard_address=":8787" if dashboard else ":0",
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def worker_environ(memory_limit_bytes: int | None) -> dict[str, object]:
    """Dask's own worker environment (one BLAS thread...) and the allocator settings.

    What a ``dask worker`` of a real cluster should be started with, too
    (docs/screening.md).
    """
    import dask
    import distributed  # noqa: F401  (its config defaults)

    kept = WORKER_KEPT_FREED_MAX_BYTES
    if memory_limit_bytes:
        kept = max(WORKER_KEPT_FREED_MIN_BYTES, min(kept, memory_limit_bytes // 4))
    defaults = dict(dask.config.get("distributed.nanny.pre-spawn-environ") or {})
    return defaults | {
        "MALLOC_TRIM_THRESHOLD_": kept,
        "MALLOC_MMAP_MAX_": 0,
        "MALLOC_ARENA_MAX": 1,
    }


Arriving = Generator[tuple[Study, StudyResult], None, None]


def _in_process(todo: Sequence[Study], screen: Screen, options: ScreenOptions) -> Arriving:
    for study in todo:
        yield study, screen(study, options)


def _on_cluster(
    client: Client, todo: Sequence[Study], screen: Screen, options: ScreenOptions
) -> Arriving:
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]  # a key of a study unique to this run, on any scheduler
    keys = [f"screen-study-{study.key}-{run}" for study in todo]
    futures: list[Any] = client.map(screen, todo, options=options, key=keys, retries=TASK_RETRIES)
    by_key = {f.key: s for f, s in zip(futures, todo, strict=True)}
    try:
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            study = by_key[future.key]
            if future.status == "finished":
                yield study, future.result()
            else:
                yield study, failed_result(study, _lost(future), FailureKind.WORKER)
            future.release()
    finally:  # stopped early (the caller crashed): nothing more is computed for nobody
        client.cancel([f for f in futures if not f.done()])  # type: ignore[no-untyped-call]


def _lost(future: Any) -> str:
    """Why a task gave no result: its workers died (KilledWorker), or it was cancelled."""
    if future.status == "cancelled":
        return "the task was cancelled (scheduler restarted or lost?)"
    error = future.exception()
    return f"the worker screening it failed: {type(error).__name__}: {error}"


def screen_all(
    studies: Sequence[Study],
    *,
    out: Path,
    client: Client | None = None,
    options: ScreenOptions = DEFAULT_OPTIONS,
    resume: bool = False,
    screen: Screen = screen_study,
    on_result: Callable[[Progress], None] | None = None,
) -> BatchSummary:
    """Screen ``studies`` into ``out``; ``resume`` skips studies already written there.

    ``screen`` is ``screen_study`` or a function like it (a module-level callable the
    workers can import). ``on_result`` is called after each study is written.
    """
    output.prepare(out, resume=resume)
    done: dict[str, StudyResult] = {}
    if resume:
        stored = ((s, output.read_part(out, s)) for s in studies)
        done = {s.key: r for s, r in stored if r and r.failure_kind is not FailureKind.WORKER}
    todo = [s for s in studies if s.key not in done]
    progress = Progress(total=len(studies), skipped=len(studies) - len(todo))
    arriving = (
        _in_process(todo, screen, options)
        if client is None
        else _on_cluster(client, todo, screen, options)
    )
    with closing(arriving):
        for study, result in arriving:
            output.write_part(out, study, result)
            done[study.key] = result
            progress.add(failed=result.failed)
            if on_result is not None:
                on_result(progress)
    ordered = [done[s.key] for s in studies]
    output.write_tables(out, ordered)
    output.write_atomically(out / output.HTML, worklist_html(ordered).encode("utf-8"))
    return BatchSummary(
        total=len(studies),
        screened=progress.done,
        skipped=progress.skipped,
        failed=tuple(r for r in ordered if r.failed),
        out=out,
    )
