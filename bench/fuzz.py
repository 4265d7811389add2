"""The long fuzz profile: every parser, seeded, as real processes, with a table.

Run: .venv/bin/python bench/fuzz.py --minutes N [--only NAME] [--count N] [--seed S]
     [--out DIR] [--jobs J]

``--minutes`` is the time per target; ``--count`` caps the inputs per target (default
100,000 case files, 2,000 policy files, 20,000 landmark files, 3,000 NIfTI files, as in
issue 15; 2,000 FHIR Bundles, 300 DICOM series, 2,000 CDS Hooks calls, 2,000 form
posts, 500 uploads and 300 DICOM SEGs). Prints per target: inputs tried, tracebacks,
wrong exit statuses, message faults (all as total (distinct)), hangs, processes over
2 GiB, peak RSS, inputs/s, and the path of one shrunk reproducer per distinct failure
under ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.campaign import run_campaign  # noqa: E402
from fuzz.harness import Tally  # noqa: E402
from fuzz.targets import all_targets  # noqa: E402

COUNTS = {"case": 100_000, "policy": 2_000, "landmarks": 20_000, "nifti": 3_000,
          "fhir": 2_000, "dicom": 300, "cds": 2_000, "form": 2_000, "upload": 500,
          "seg": 300}  # fmt: skip
DEFAULT_COUNT = 10_000
KINDS = ("traceback", "wrong_exit", "message", "hang", "memory")


def _cell(tally: Tally, kind: str) -> str:
    return f"{tally.counts.get(kind, 0)} ({len(tally.distinct.get(kind, ()))})"


def row(tally: Tally) -> str:
    rate = tally.tried / tally.seconds if tally.seconds else 0.0
    cells = [tally.name, str(tally.tried), *(_cell(tally, k) for k in KINDS)]
    cells += [f"{tally.peak_rss_bytes / 2**20:.0f} MiB", f"{rate:.1f}"]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| parser | inputs | tracebacks | wrong exits | message faults | hangs > 10 s "
    "| RSS > 2 GiB | peak RSS | inputs/s |\n|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="time per target")
    parser.add_argument("--only", action="append", help="a target name (repeatable)")
    parser.add_argument("--count", type=int, help="inputs per target (cap)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("fuzz-reproducers"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    targets, notes = all_targets()
    for note in notes:
        print(f"note: {note}")
    names = args.only or list(targets)
    unknown = [n for n in names if n not in targets]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; known: {sorted(targets)}")
    tallies = []
    with tempfile.TemporaryDirectory(prefix="kypho-fuzz-") as scratch:
        for name in names:
            entry = targets[name]
            count = args.count or COUNTS.get(name.split("-")[0], DEFAULT_COUNT)
            tally = run_campaign(
                entry.target, workdir=Path(scratch) / name, count=count, seed=args.seed,
                minutes=args.minutes, jobs=args.jobs, out=args.out, explain=entry.explain,
            )  # fmt: skip
            tallies.append(tally)
            print(row(tally), flush=True)
    print(HEADER)
    for tally in tallies:
        print(row(tally))
    for tally in tallies:
        if tally.unconfirmed_hangs:
            print(
                f"{tally.name}: {tally.unconfirmed_hangs} run(s) past 10 s once, not when run again"
            )
        for path in tally.reproducers:
            first = path.with_name(path.name + ".txt").read_text(encoding="utf-8").splitlines()[0]
            print(f"{path}: {first}")
    return 1 if any(t.failures() for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
