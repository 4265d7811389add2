"""Benchmark: the candidacy engine on generated cases, against a hand-written baseline.

Run: .venv/bin/python bench/bench_assess.py [N]   (default 100000 cases)

Prints cases per second for ``assess(case, medicare-l34106)`` with its full explanation
(every criterion's outcome, observation, threshold and sources, the missing documents
and the procedure window) and for ``medicare_decision``, a plain function of the same
rules that returns the decision alone. Both run on the same cases in the same process,
one core. It also counts cases on which the two disagree (there should be none).

Like a batch job, the loop keeps each assessment only long enough to tally it (its
decision, criteria and missing documents are all built); keeping 100,000 explanation
trees alive would mostly measure the garbage collector.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated_cases import ON, generated_cases  # noqa: E402
from kypho.rules import assess, compile_policy, load_policy  # noqa: E402
from medicare_baseline import medicare_decision  # noqa: E402

TARGET_CASES_PER_S = 20_000
TARGET_RATIO = 3.0


def main(n: int) -> int:
    t0 = time.perf_counter()
    cases = generated_cases(n)
    print(f"generated {n} cases in {time.perf_counter() - t0:.1f} s")
    policy = compile_policy(load_policy("medicare-l34106"))  # once, as a batch does

    t0 = time.perf_counter()
    baseline = [medicare_decision(c, ON) for c in cases]
    t_base = time.perf_counter() - t0

    tally: dict[str, int] = {}
    disagree = criteria = 0
    t0 = time.perf_counter()
    for case, expected in zip(cases, baseline, strict=True):
        a = assess(case, policy, on=ON)
        tally[a.decision.value] = tally.get(a.decision.value, 0) + 1
        criteria += len(a.criteria) + sum(len(la.criteria) for la in a.levels)
        disagree += a.decision.value != expected
    t_engine = time.perf_counter() - t0
    rate_engine, rate_base = n / t_engine, n / t_base
    print(f"decisions: {dict(sorted(tally.items()))}; top-level criteria explained: {criteria}")
    print(f"baseline (hand-written, decision only): {rate_base:10,.0f} cases/s  ({t_base:.2f} s)")
    print(
        f"engine (policy file, full explanation): {rate_engine:10,.0f} cases/s  ({t_engine:.2f} s)"
    )
    print(f"engine time / baseline time: {t_engine / t_base:.2f}x (aim <= {TARGET_RATIO}x)")
    verdict = "met" if rate_engine >= TARGET_CASES_PER_S else "NOT met"
    print(f"target >= {TARGET_CASES_PER_S:,} cases/s: {verdict}")
    print(f"disagreements between engine and baseline: {disagree}")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
