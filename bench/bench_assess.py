"""Benchmark: the candidacy engine on generated cases, against a hand-written baseline.

Run: .venv/bin/python bench/bench_assess.py [N]   (default 100000 cases)

In one process, on one core, on the same generated cases under Medicare LCD L34106:

- baseline: ``medicare_decision``, the same rules written by hand, decision only;
- decisions: ``decide_case`` (``kypho.rules.fast``), the policy file compiled once into
  closures, decision and per-level decisions, no explanation;
- decisions + missing count: the same, every decisive criterion evaluated, with the
  number of missing facts (what ``kypho assess EXPORT`` writes);
- full explanations: ``assess``, every criterion's outcome, observation, threshold and
  sources, the missing documents and the procedure window.

The baseline and the fast loops take turns for three rounds, each timed by its best
round; the explanation loop runs once. It counts disagreements between the engine's paths and the
baseline (there should be none), then times reading exports: a sample of the cases as
JSON Lines and as Parquet, read, parsed and decided by ``assess_export`` in one process.

Like a batch job, the loops keep each result only long enough to tally it; keeping
100,000 explanation trees alive would mostly measure the garbage collector.
"""

from __future__ import annotations

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


def best_of_interleaved(loops: list[Callable[[], object]]) -> list[float]:
    """Each loop's best time over ``ROUNDS`` rounds, the loops taking turns in each round."""
    best = [float("inf")] * len(loops)
    for _ in range(ROUNDS):
        for i, loop in enumerate(loops):
            t0 = time.perf_counter()
            loop()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main(n: int) -> int:
    t0 = time.perf_counter()
    cases = generated_cases(n)
    print(f"generated {n} cases in {time.perf_counter() - t0:.1f} s")
    policy = compile_policy(load_policy("medicare-l34106"))  # once, as a batch does

    def baseline() -> list[str]:
        return [medicare_decision(c, ON) for c in cases]

    def fast(count_missing: bool) -> Callable[[], list[str]]:
        return lambda: [
            decide_case(c, policy, on=ON, count_missing=count_missing).decision.value for c in cases
        ]

    t_base, t_fast, t_count = best_of_interleaved([baseline, fast(False), fast(True)])
    t_full, disagree = _explained(cases, policy, baseline(), fast(True)())
    print(f"baseline (hand-written, decision only): {n / t_base:10,.0f} cases/s  ({t_base:.2f} s)")
    for label, t in (
        ("decisions (policy file, no explanation)", t_fast),
        ("decisions + missing count", t_count),
        ("full explanations (assess)", t_full),
    ):
        print(f"{label + ':':<40}{n / t:10,.0f} cases/s  ({t:.2f} s, {t / t_base:.2f}x baseline)")
    met = "met" if n / t_fast >= TARGET_DECISIONS_PER_S else "NOT met"
    print(f"aim >= {TARGET_DECISIONS_PER_S:,} decisions/s on one core: {met}")
    ratio = "met" if t_fast / t_base <= TARGET_RATIO else "NOT met"
    print(f"aim decisions within {TARGET_RATIO}x of the baseline: {ratio}")
    print(f"disagreements (baseline, decisions, explanations): {disagree}")
    with tempfile.TemporaryDirectory() as folder:
        time_exports(cases[:EXPORT_SAMPLE], Path(folder), on=ON)
    return 1 if disagree else 0


def _explained(
    cases: list[Case], policy: object, expected: list[str], fast: list[str]
) -> tuple[float, int]:
    tally: dict[str, int] = {}
    disagree = criteria = 0
    t0 = time.perf_counter()
    for case, want, quick in zip(cases, expected, fast, strict=True):
        a = assess(case, policy, on=ON)  # type: ignore[arg-type]
        tally[a.decision.value] = tally.get(a.decision.value, 0) + 1
        criteria += len(a.criteria) + sum(len(la.criteria) for la in a.levels)
        disagree += a.decision.value != want or quick != want
    t_full = time.perf_counter() - t0
    print(f"decisions: {dict(sorted(tally.items()))}; top-level criteria explained: {criteria}")
    return t_full, disagree


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
