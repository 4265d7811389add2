"""Benchmark: FHIR import and export of 1,000 Bundles, against fhir.resources parsing alone.

Run: .venv/bin/python bench/bench_fhir.py [N]   (default 1000 Bundles)

In one process, on the same N generated cases (``generated_cases``), each with its
assessment under Medicare LCD L34106 and its safety screen:

- export: ``export_bundle`` for each case (the assessment already made);
- import: ``bundle_to_case`` for each Bundle (read, map, and check as a case file);
- baseline: ``fhir.resources`` parsing each Bundle into its R4B models, and nothing else
  (its R4 models are not shipped; R4B has the same shape for every resource kypho writes).

Each loop is timed best of three. A figure is the time per Bundle and Bundles per second;
the import/baseline ratio says what kypho's own checks and mapping cost against a
validating parser that maps nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated_cases import ON, generated_cases  # noqa: E402
from kypho.interop.fhir import bundle_to_case, export_bundle  # noqa: E402
from kypho.rules import load_policy  # noqa: E402
from kypho.workflows.assess import assess_case  # noqa: E402


def best_of(runs: int, loop: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        loop()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n: int) -> None:
    from fhir.resources.R4B.bundle import Bundle

    cases = generated_cases(n)
    policy = load_policy("medicare-l34106")
    assessed = [assess_case(c, [policy], on=ON) for c in cases]
    bundles = [export_bundle(a.case, assessments=a.assessments, safety=a.safety) for a in assessed]
    resources = sum(len(b["entry"]) for b in bundles)

    def export_all() -> None:
        for a in assessed:
            export_bundle(a.case, assessments=a.assessments, safety=a.safety)

    def import_all() -> None:
        for b in bundles:
            bundle_to_case(b)

    def parse_all() -> None:
        for b in bundles:
            Bundle.model_validate(b)

    figures = {"export": best_of(3, export_all), "import": best_of(3, import_all),
               "fhir.resources parse (baseline)": best_of(3, parse_all)}  # fmt: skip
    print(f"{n} Bundles, {resources} resources ({resources / n:.1f} per Bundle)")
    for name, seconds in figures.items():
        print(f"  {name:32} {seconds * 1000 / n:7.3f} ms per Bundle  {n / seconds:9.0f} per s")
    base = figures["fhir.resources parse (baseline)"]
    print(
        f"  import / baseline: {figures['import'] / base:.2f}   "
        f"export / baseline: {figures['export'] / base:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
