"""Screen many studies: one Dask task per study, results written as they arrive.

``screen_all`` takes a ``distributed.Client`` (a ``LocalCluster``'s or a real cluster's)
or ``None`` for a plain loop in this process; both write the same files (``output``).
The client process writes every file, so workers need to read the studies but never
the output folder. A task that raises is retried (``TASK_RETRIES``); a task whose worker
dies is rescheduled by the scheduler (``distributed.scheduler.allowed-failures``); a
study that still cannot be done is a ``WORKER`` failure, which ``--resume`` tries again.
"""

from __future__ import annotations

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

# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, so glibc hands freed
# memory back at once and morphometry's many megabyte-sized temporaries page-fault
# anew: measured 1.5-2x the CPU of the same loop in one process. 256 MiB keeps them
# (bench/bench_screen.py; a worker still gives back what it frees beyond that).
WORKER_MALLOC_TRIM_THRESHOLD_BYTES = 256 * 2**20
TASK_RETRIES = 2  # a task that raised (a transient read error) is tried this often again
Screen = Callable[[Study, ScreenOptions], StudyResult]


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

    environ = {"MALLOC_TRIM_THRESHOLD_": WORKER_MALLOC_TRIM_THRESHOLD_BYTES}
    settings = {
        "distributed.nanny.pre-spawn-environ": environ,
        # The statistical profiler feeds the dashboard's profile page only; it cost
        # about 15 % of a study's CPU time (bench/bench_screen.py).
        "distributed.worker.profile.enabled": dashboard,
    }
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
