"""The child processes of a process, read from Linux's ``/proc`` (the serve tests and the
web benchmarks count Uvicorn's workers with it)."""

from __future__ import annotations

from pathlib import Path


def child_pids(pid: int) -> set[int]:
    """The processes ``pid`` started and that still run, by every thread of it
    (``/proc/<pid>/task/<tid>/children``)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(n) for n in (task / "children").read_text().split()}
    return found
