"""Run fuzz inputs through the real CLI, one forked process per input, and classify them.

The parent imports kypho once (``warm``), then forks a child per input: the child caps
its address space, sends stdout and stderr to files, runs ``kypho.cli.main(argv)`` and
leaves with ``os._exit``; an exception escaping ``main`` is printed and exits 99. The
parent reaps each child with ``os.wait4`` (exit status and peak RSS), kills one still
running after ``timeout_s`` (a hang), and classifies the run against the target's oracle.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fuzz.classify import Run, Verdict, classify
from fuzz.target import FuzzTarget, Main

EXIT_ESCAPED = 99  # an exception escaped main: a traceback
TIMEOUT_S = 10.0  # issue 15: a run past 10 s is a hang
AS_HEADROOM_BYTES = 3 * 1024**3  # the child's address-space cap above the warm parent's

Explain = Callable[[bytes], str]

__all__ = ["Checker", "Explain", "Pool", "Run", "Tally", "Verdict", "classify", "pool_for", "warm"]


@dataclass(slots=True)
class Tally:
    """Per-target totals of a campaign."""

    name: str
    tried: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    distinct: dict[str, set[str]] = field(default_factory=dict)
    peak_rss_bytes: int = 0
    seconds: float = 0.0
    reproducers: list[Path] = field(default_factory=list)
    unconfirmed_hangs: int = 0  # past the limit once, within it when run again

    def add(self, verdict: Verdict, run: Run) -> bool:
        """Count one run; ``True`` when it is a failure of a kind not seen before."""
        self.tried += 1
        self.peak_rss_bytes = max(self.peak_rss_bytes, run.rss_bytes)
        if verdict.kind == "ok":
            return False
        self.counts[verdict.kind] = self.counts.get(verdict.kind, 0) + 1
        seen = self.distinct.setdefault(verdict.kind, set())
        new = verdict.signature not in seen
        seen.add(verdict.signature)
        return new

    def failures(self) -> int:
        return sum(self.counts.values())


WARM_ARGV = (
    ["assess", "examples/cases/01-acute-l1-worsening-candidate.json", "--on", "2026-11-21"],
    ["plan", "examples/cases/01-acute-l1-worsening-candidate.json", "--on", "2026-11-21"],
    ["outcomes", "examples/cases/01-acute-l1-worsening-candidate.json"],
    ["policies", "--check", "src/kypho/rules/policies/practice.toml"],
)


# What the FHIR and DICOM commands import lazily (pydicom, highdicom): loaded once here.
WARM_MODULES = (
    "kypho.interop.fhir",
    "kypho.interop.dicom.series",
    "kypho.interop.dicom.seg_write",
    "kypho.interop.dicom.sr_write",
    "kypho.workflows.measure_dicom",
)


def warm() -> None:
    """Run each command once in the parent, so that what they import lazily is loaded."""
    import importlib
    import io

    for module in WARM_MODULES:
        importlib.import_module(module)

    from kypho.cli import main

    root = Path(__file__).resolve().parents[1]
    here = Path.cwd()
    sink = io.StringIO()
    try:
        os.chdir(root)
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for argv in WARM_ARGV:
                main(list(argv))
    finally:
        os.chdir(here)


def remove(path: Path) -> None:
    """Remove an input: a file, or the folder a folder target wrote."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _vm_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(argv: list[str], out: Path, err: Path, as_limit: int, entry: Main | None) -> None:
    """In the forked child: cap memory, redirect, run main (or ``entry``), never return."""
    code = EXIT_ESCAPED
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
        for fd, path in ((1, out), (2, err)):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        if entry is None:
            from kypho.cli import main

            code = main(argv)
        else:
            code = entry(argv)
    except BaseException:  # noqa: BLE001 - everything escaping main is the finding
        code = EXIT_ESCAPED
        with contextlib.suppress(BaseException):
            traceback.print_exc(file=sys.stderr)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) and 0 <= code < 256 else EXIT_ESCAPED)


@dataclass(slots=True)
class _Running:
    pid: int
    started: float
    out: Path
    err: Path
    tag: object


def _status(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "backslashreplace")
    except OSError:
        return ""


class Pool:
    """Up to ``jobs`` children at a time; ``map`` yields (tag, Run) as they finish."""

    def __init__(
        self,
        workdir: Path,
        *,
        jobs: int = 2,
        timeout_s: float = TIMEOUT_S,
        main: Main | None = None,
    ) -> None:
        warm()
        self.main = main  # run in each child instead of kypho.cli.main (an app target)
        self.workdir = workdir
        self.jobs = max(1, jobs)
        self.timeout_s = timeout_s
        self.as_limit = _vm_bytes() + AS_HEADROOM_BYTES
        self._slot = 0

    def _start(self, argv: list[str], tag: object) -> _Running:
        self._slot += 1
        out = self.workdir / f"out-{self._slot}.txt"
        err = self.workdir / f"err-{self._slot}.txt"
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(argv, out, err, self.as_limit, self.main)
        return _Running(pid, time.monotonic(), out, err, tag)

    def _reap(self, job: _Running, *, block: bool) -> Run | None:
        pid, status, usage = os.wait4(job.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return None
        seconds = time.monotonic() - job.started
        hung = seconds > self.timeout_s
        stdout, stderr = _read(job.out), _read(job.err)
        job.out.unlink(missing_ok=True)
        job.err.unlink(missing_ok=True)
        return Run(_status(status), stdout, stderr, usage.ru_maxrss * 1024, seconds, hung)

    def map(self, jobs: Iterator[tuple[list[str], object]]) -> Iterator[tuple[object, Run]]:
        running: list[_Running] = []
        pending = iter(jobs)
        exhausted = False
        while running or not exhausted:
            while not exhausted and len(running) < self.jobs:
                nxt = next(pending, None)
                if nxt is None:
                    exhausted = True
                    break
                running.append(self._start(*nxt))
            yield from self._collect(running)

    def _collect(self, running: list[_Running]) -> Iterator[tuple[object, Run]]:
        time.sleep(0.0005)
        for job in list(running):
            if time.monotonic() - job.started > self.timeout_s:
                os.kill(job.pid, signal.SIGKILL)
                run = self._reap(job, block=True)
            else:
                run = self._reap(job, block=False)
            if run is not None:
                running.remove(job)
                yield job.tag, run

    def run(self, argv: list[str]) -> Run:
        """One input, waited for."""
        for _tag, run in self.map(iter([(argv, None)])):
            return run
        raise AssertionError("unreachable")


@dataclass(slots=True)
class Checker:
    """Runs and classifies single inputs of one target (used by the shrinker and tests)."""

    target: FuzzTarget
    pool: Pool
    explain: Explain | None = None

    def write(self, data: bytes, name: str = "input") -> Path:
        path = self.pool.workdir / f"{name}{self.target.suffix}"
        remove(path)
        if self.target.materialize is None:
            path.write_bytes(data)
        else:
            self.target.materialize(data, path)
        return path

    def judge(self, data: bytes, run: Run, path: Path) -> Verdict:
        valid = self.target.valid(data)
        why = self.explain(data) if (self.explain and valid is False) else ""
        check = self.target.check
        return classify(
            run, argv=self.target.argv(path), path=path, valid=valid, why=why,
            check=None if check is None else (lambda r: check(data, r)),
        )  # fmt: skip

    def check(self, data: bytes) -> Verdict:
        path = self.write(data, "shrink")
        return self.judge(data, self.pool.run(self.target.argv(path)), path)


def pool_for(target: FuzzTarget, workdir: Path, *, jobs: int = 2) -> Pool:
    """A pool for ``target``: its campaign's preparation done in ``workdir`` (created)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if target.prepare is not None:
        target.prepare(workdir)
    return Pool(workdir, jobs=jobs, main=target.main)
