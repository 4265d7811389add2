"""``kypho screen``: screen an archive of studies for fractures and low bone density.

SOURCE is an archive folder or a manifest CSV (``kypho.screening.manifest``). The work
runs on a Dask ``LocalCluster`` of ``--workers`` processes, or on the cluster whose
scheduler is ``--scheduler``. Exit status: 0 every study screened, 1 some studies could
not be screened (listed in the output with their reasons), 2 bad input (no such
archive, a bad manifest, a bad option, an output folder holding an earlier run).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kypho.errors import InvalidInput

EXIT_SOME_FAILED = 1


def _reporter(quiet: bool) -> Any:
    """A callback printing the progress line: in place on a terminal, else every 5 %."""
    tty = sys.stderr.isatty()
    shown = {"last": -1}

    def report(progress: Any) -> None:
        if quiet:
            return
        step = max(1, progress.total // 20)
        finished = progress.remaining == 0
        if tty:
            typer.echo("\r" + progress.line() + ("\n" if finished else ""), err=True, nl=False)
        elif finished or progress.done // step != shown["last"]:
            shown["last"] = progress.done // step
            typer.echo(progress.line(), err=True)

    return report


def _check(workers: int | None, scheduler: str | None) -> None:
    if workers is not None and workers < 1:
        raise InvalidInput(f"--workers: expected a whole number >= 1, found {workers}")
    if workers is not None and scheduler is not None:
        raise InvalidInput("--workers: expected with a local cluster only, not with --scheduler")
    if scheduler is not None and "://" not in scheduler:
        raise InvalidInput(
            f"--scheduler: expected an address such as tcp://HOST:8786, found {scheduler!r}"
        )


def _check_memory(memory_limit: str) -> None:
    if memory_limit == "auto":
        return
    from dask.utils import parse_bytes

    try:
        parse_bytes(memory_limit)
    except ValueError:
        raise InvalidInput(
            f"--memory-limit: expected 'auto' or a size such as 4GiB, found {memory_limit!r}"
        ) from None


def _run(studies: Any, options: Any, *, out: Path, resume: bool, cluster: dict[str, Any]) -> Any:
    from kypho.screening.batch import local_client, screen_all

    report = _reporter(cluster["quiet"])
    if cluster["scheduler"] is not None:
        from distributed import Client

        try:
            client = Client(cluster["scheduler"], timeout="20s")  # type: ignore[no-untyped-call]
        except OSError as err:
            raise InvalidInput(
                f"--scheduler {cluster['scheduler']}: expected a running Dask scheduler, "
                f"found none ({err})"
            ) from None
        with client:
            return screen_all(
                studies, out=out, client=client, options=options, resume=resume, on_result=report
            )
    workers = cluster["workers"] or max(1, os.cpu_count() or 1)
    with local_client(
        workers=workers, memory_limit=cluster["memory_limit"], dashboard=cluster["dashboard"]
    ) as client:
        if cluster["dashboard"]:
            typer.echo(f"dashboard: {client.dashboard_link}", err=True)
        return screen_all(
            studies, out=out, client=client, options=options, resume=resume, on_result=report
        )


def screen_command(
    source: Annotated[Path, typer.Argument(metavar="ARCHIVE|MANIFEST.csv")],
    scheduler: Annotated[
        str | None, typer.Option(help="tcp://HOST:PORT of a running dask scheduler.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes (default: one per core).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("kypho-screening"),
    resume: Annotated[bool, typer.Option(help="Skip studies already written in --out.")] = False,
    memory_limit: Annotated[
        str, typer.Option(help="Per local worker, e.g. 4GiB ('auto': memory shared out).")
    ] = "auto",
    dashboard: Annotated[bool, typer.Option(help="Serve the Dask dashboard (bokeh).")] = False,
    thumbnails: Annotated[bool, typer.Option(help="Draw each flagged level.")] = True,
    quiet: Annotated[bool, typer.Option(help="No progress line.")] = False,
) -> None:
    """Screen an archive: Genant grade, trabecular HU and flags per study and level."""
    from kypho.config import load_settings
    from kypho.screening.manifest import find_studies
    from kypho.screening.types import ScreenOptions

    _check(workers, scheduler)
    _check_memory(memory_limit)
    if dashboard and importlib.util.find_spec("bokeh") is None:
        raise InvalidInput("--dashboard: expected bokeh installed, found it missing")
    settings = load_settings()
    archive = find_studies(source)
    options = ScreenOptions(
        max_voxels=settings.max_image_voxels,
        max_file_bytes=settings.max_image_file_bytes,
        thumbnails=thumbnails,
    )
    if archive.ignored and not quiet:
        typer.echo(f"ignored {archive.ignored} entries that are not studies", err=True)
    cluster = {
        "scheduler": scheduler,
        "workers": workers,
        "memory_limit": memory_limit,
        "dashboard": dashboard,
        "quiet": quiet,
    }
    summary = _run(archive.studies, options, out=out, resume=resume, cluster=cluster)
    typer.echo(
        f"{summary.total} studies: {summary.screened} screened now, {summary.skipped} "
        f"already done, {len(summary.failed)} not screened; results in {summary.out}"
    )
    for failed in summary.failed:
        typer.echo(f"not screened: {failed.study_id}: {failed.failure}")
    if summary.failed:
        raise typer.Exit(EXIT_SOME_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``kypho screen`` to ``app``."""
    app.command("screen")(screen_command)
