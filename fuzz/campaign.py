"""A seeded campaign over one target: generate, run in parallel, tally, shrink, save.

A hang is run once more: one that does not hang again is counted apart
(``Tally.unconfirmed_hangs``), as the machine's load, not a failure. Each distinct
failure (kind and signature) is shrunk greedily, cutting chunks of the
input while the same signature persists (bounded by ``shrink_s``; an app request's
header line is never cut), and saved once as
``<out>/<target>-<kind>-<n><suffix>`` with a ``.txt`` beside it saying what happened.
"""

from __future__ import annotations

import copy
import json
import random
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fuzz import tomltext
from fuzz.harness import Checker, Explain, Run, Tally, Verdict, pool_for, remove
from fuzz.target import FuzzTarget

SHRINK_S = 20.0
HTTP_SUFFIX = ".http"  # an app request: a JSON header line, then the body (fuzz.app)


def _same(checker: Checker, data: bytes, verdict: Verdict) -> bool:
    found = checker.check(data)
    return found.kind == verdict.kind and found.signature == verdict.signature


def _codec(suffix: str) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]] | None:
    if suffix == ".json":
        return (lambda b: json.loads(b.decode("utf-8"))), (lambda d: json.dumps(d).encode())
    if suffix == ".toml":
        return (lambda b: tomllib.loads(b.decode("utf-8"))), (lambda d: tomltext.dumps(d).encode())
    return None


def _paths(doc: Any) -> list[tuple[Any, ...]]:
    """Every place in the tree, shallow ones first."""
    out: list[tuple[Any, ...]] = []
    level: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while level:
        nxt = []
        for path, item in level:
            keys = (
                list(item)
                if isinstance(item, dict)
                else range(len(item))
                if isinstance(item, list)
                else ()
            )
            for key in keys:
                out.append((*path, key))
                nxt.append(((*path, key), item[key]))
        level = nxt
    return out


def _without(doc: Any, path: tuple[Any, ...]) -> Any:
    trial = copy.deepcopy(doc)
    parent = trial
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return trial


def _shrink_tree(checker: Checker, data: bytes, verdict: Verdict, deadline: float) -> bytes:
    """Drop fields and items of a parsed input while the failure persists."""
    codec = _codec(checker.target.suffix)
    try:
        doc = codec[0](data) if codec else None
    except (ValueError, RecursionError):
        return data
    if codec is None or not isinstance(doc, dict) or not _same(checker, codec[1](doc), verdict):
        return data
    failed: set[tuple[Any, ...]] = set()
    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        for path in _paths(doc):
            if path in failed or time.monotonic() > deadline:
                continue
            trial = _without(doc, path)
            if _same(checker, codec[1](trial), verdict):
                doc, progress = trial, True
                break
            failed.add(path)
    return codec[1](doc)


def _kept_head(suffix: str, data: bytes) -> tuple[bytes, bytes]:
    """(the part never cut, the part to cut): an app request's header line (``.http``:
    method, path, session, the fields the generator changed) is kept whole, or a cut
    could drop its method or path and the reproducer would no longer say what was sent."""
    if suffix == HTTP_SUFFIX:
        line, newline, body = data.partition(b"\n")
        return line + newline, body
    return b"", data


def shrink(checker: Checker, data: bytes, verdict: Verdict, *, budget_s: float = SHRINK_S) -> bytes:
    """A short input that keeps ``verdict``'s signature: fields dropped, then chunks cut."""
    deadline = time.monotonic() + budget_s
    small = _shrink_tree(checker, data, verdict, time.monotonic() + budget_s / 2)
    head, best = _kept_head(checker.target.suffix, small)
    chunk = max(1, len(best) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        cut = False
        start = 0
        while start < len(best) and time.monotonic() < deadline:
            candidate = best[:start] + best[start + chunk :]
            if _same(checker, head + candidate, verdict):
                best, cut = candidate, True
            else:
                start += chunk
        if not cut:
            chunk //= 2
    return head + best


def _save(out: Path, target: FuzzTarget, n: int, data: bytes, verdict: Verdict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{target.name}-{verdict.kind}-{n}{target.suffix}"
    path.write_bytes(data)
    note = f"{verdict.kind}: {verdict.signature}\n{verdict.detail}\n"
    path.with_name(path.name + ".txt").write_text(note, encoding="utf-8")
    return path


def _inputs(
    checker: Checker, rng: random.Random, count: int, deadline: float
) -> Iterator[tuple[list[str], object]]:
    for i in range(count):
        if time.monotonic() > deadline:
            return
        data = checker.target.generate(rng)
        path = checker.write(data, f"in-{i}")
        yield checker.target.argv(path), (data, path)


def run_campaign(
    target: FuzzTarget,
    *,
    workdir: Path,
    count: int,
    seed: int = 0,
    minutes: float | None = None,
    jobs: int = 2,
    out: Path | None = None,
    explain: Explain | None = None,
    shrink_s: float = SHRINK_S,
) -> Tally:
    """Run up to ``count`` inputs (or until ``minutes`` pass); save one reproducer per kind."""
    checker = Checker(target, pool_for(target, workdir, jobs=jobs), explain)
    tally = Tally(target.name)
    found: list[tuple[bytes, Verdict]] = []
    started = time.monotonic()
    deadline = started + (minutes * 60 if minutes is not None else float("inf"))
    rng = random.Random(f"{target.name}:{seed}")
    for tag, run in checker.pool.map(_inputs(checker, rng, count, deadline)):
        data, path = tag  # type: ignore[misc]
        verdict = checker.judge(data, run, path)
        remove(path)
        if verdict.kind == "hang" and checker.check(data).kind != "hang":
            tally.unconfirmed_hangs += 1  # past 10 s once, not again: a loaded machine
            verdict = Verdict("ok")
        if tally.add(verdict, run):
            found.append((data, verdict))
    tally.seconds = time.monotonic() - started
    if out is not None:
        for n, (data, verdict) in enumerate(found, 1):
            small = shrink(checker, data, verdict, budget_s=shrink_s)
            tally.reproducers.append(_save(out, target, n, small, verdict))
    return tally


def describe(run: Run, verdict: Verdict) -> str:
    """One line for a failing run, for test messages."""
    return f"{verdict.kind}: {verdict.signature} (exit {run.exit_code}) {verdict.detail[:300]}"
