"""Benchmark: the candidacy engine on generated cases, against a hand-written baseline.

Run: .venv/bin/python bench/bench_assess.py [N]   (default 100000 cases)

In one process, on one core, on the same generated cases under Medicare LCD L34106:

- baseline: ``medicare_decision``, the same rules written by hand, decision only;
- decisions: ``decide_case`` (``kypho.rules.fast``), the policy file compiled once into
  one generated Python function (``kypho.rules.codegen``), decision and per-level
  decisions, no explanation;
- decisions + missing count: the same generated code, every decisive criterion
  evaluated, with the number of missing facts (what ``kypho assess EXPORT`` writes);
- old closures: the same two, by the closures the generated code replaced
  (``FastPolicy.decide_closures``);
- full explanations: ``assess``, every criterion's outcome, observation, threshold and
  sources, the missing documents and the procedure window.

Every loop goes through the same public call a batch makes, on ``Case`` objects
already parsed (reading and parsing are timed apart, below), the event-date check
included. The baseline and the fast loops take turns for three rounds, each timed by
its best round; the explanation loop runs once. It counts disagreements between the
engine's paths and the baseline (there should be none), then times reading exports: a
sample of the cases as JSON Lines and as Parquet, read, parsed and decided by
``assess_export`` in one process. The load average is printed beside the figures: on
a shared machine every loop slows alike, and the ratios hold better than the rates.

Like a batch job, the loops keep each result only long enough to tally it; keeping
100,000 explanation trees alive would mostly measure the garbage collector.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_assess_export import time_exports  # noqa: E402
from generated_cases import ON, generated_cases  # noqa: E402
from kypho.domain import Case  # noqa: E402
from kypho.rules import assess, compile_policy, load_policy  # noqa: E402
from kypho.rules.fast import decide_case  # noqa: E402
from medicare_baseline import medicare_decision  # noqa: E402

TARGET_DECISIONS_PER_S = 100_000
TARGET_RATIO = 1.5  # decision-only engine time / baseline time
EXPORT_SAMPLE = 10_000  # cases written to JSON Lines and Parquet for the reading figures


ROUNDS = 3  # the fast loops and the baseline take turns, so a busy machine slows all alike


def best_of_interleaved(loops: list[Callable[[], object]]) -> list[tuple[float, float]]:
    """Each loop's best (wall, CPU) seconds over ``ROUNDS`` rounds, the loops taking turns."""
    best = [(float("inf"), float("inf"))] * len(loops)
    for _ in range(ROUNDS):
        for i, loop in enumerate(loops):
            took = _timed(loop)
            best[i] = (min(best[i][0], took[0]), min(best[i][1], took[1]))
    return best


def _timed(loop: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call: on a busy machine the CPU time is this
    process's own, the wall time also counts the time other processes held the core."""
    wall, cpu = time.perf_counter(), time.process_time()
    loop()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(n: int) -> int:
    t0 = time.perf_counter()
    cases = generated_cases(n)
    print(f"generated {n} cases in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    policy = compile_policy(load_policy("medicare-l34106"))  # once, as a batch does
    closures = policy.decisions()  # builds the generated code and the closures
    print(f"policy compiled (generated code and closures) in {time.perf_counter() - t0:.3f} s")

    def baseline() -> list[str]:
        return [medicare_decision(c, ON) for c in cases]

    def fast(count_missing: bool) -> Callable[[], list[str]]:
        return lambda: [
            decide_case(c, policy, on=ON, count_missing=count_missing).decision.value for c in cases
        ]

    def old(count_missing: bool) -> Callable[[], list[str]]:
        return lambda: [
            closures.decide_closures(c, on=ON, count_missing=count_missing).decision.value
            for c in cases
        ]

    loops = [baseline, fast(False), fast(True), old(False), old(True)]
    t_base, *t_rest = best_of_interleaved(loops)
    answers = [loop() for loop in loops[1:]]
    t_full, disagree = _explained(cases, policy, baseline(), answers)  # (wall, CPU)
    _report(n, t_base, [*t_rest, t_full], disagree)
    with tempfile.TemporaryDirectory() as folder:
        time_exports(cases[:EXPORT_SAMPLE], Path(folder), on=ON)
    return 1 if disagree else 0


LABELS = (
    "decisions (generated code)",
    "decisions + missing count (generated)",
    "decisions (old closures)",
    "decisions + missing count (old closures)",
    "full explanations (assess)",
)


def _report(
    n: int, t_base: tuple[float, float], times: list[tuple[float, float]], disagree: int
) -> None:
    """Rates by wall clock and by this process's CPU time (the same on an idle core)."""
    print(f"load average (1, 5, 15 min): {_load()}; {os.cpu_count()} cores")
    print(f"{'':<42}{'cases/s (wall)':>15}{'cases/s (CPU)':>15}  CPU time / baseline's")
    for label, (wall, cpu) in zip(
        ("baseline (hand-written)", *LABELS), [t_base, *times], strict=True
    ):
        print(f"{label + ':':<42}{n / wall:15,.0f}{n / cpu:15,.0f}  {cpu / t_base[1]:.2f}x")
    fast, full = times[0][1], times[-1][1]
    print(f"explanation: {full / n * 1e6:.0f} us of CPU per case ({full / fast:.0f}x a decision)")
    met = "met" if n / fast >= TARGET_DECISIONS_PER_S else "NOT met"
    print(f"aim >= {TARGET_DECISIONS_PER_S:,} decisions/s on one core (CPU time): {met}")
    ratio = "met" if fast / t_base[1] <= TARGET_RATIO else "NOT met"
    print(f"aim decisions within {TARGET_RATIO}x of the baseline: {ratio}")
    print(f"disagreements (baseline, 4 fast loops, explanations): {disagree}")


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not every system reports it
        return "unknown"


def _explained(
    cases: list[Case], policy: object, expected: list[str], fast: list[list[str]]
) -> tuple[tuple[float, float], int]:
    tally: dict[str, int] = {}
    disagree = criteria = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for case, want, *quick in zip(cases, expected, *fast, strict=True):
        a = assess(case, policy, on=ON)  # type: ignore[arg-type]
        tally[a.decision.value] = tally.get(a.decision.value, 0) + 1
        criteria += len(a.criteria) + sum(len(la.criteria) for la in a.levels)
        disagree += a.decision.value != want or any(q != want for q in quick)
    took = time.perf_counter() - wall, time.process_time() - cpu
    print(f"decisions: {dict(sorted(tally.items()))}; top-level criteria explained: {criteria}")
    return took, disagree


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
