"""Fail when any core package's branch coverage is under the floor (issue 9: >= 95 %).

Reads the JSON report that ``pytest --cov-report=json:PATH`` wrote. Coverage here counts
statements and branches together, as coverage.py's "percent covered" does with --cov-branch.
Usage: python scripts/coverage_floor.py PATH
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

FLOOR_PCT = 95.0  # issue 9, item 11
PACKAGES = ("domain", "rules", "morphometry", "planning", "workflows")


def main(path: str) -> int:
    files = json.loads(Path(path).read_text(encoding="utf-8"))["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, data in files.items():
        parts = name.replace("\\", "/").split("/")
        if "kypho" not in parts:
            continue
        after = parts[parts.index("kypho") + 1 :]
        if len(after) < 2 or after[0] not in PACKAGES:
            continue
        s = data["summary"]
        totals[after[0]][0] += s["covered_lines"] + s.get("covered_branches", 0)
        totals[after[0]][1] += s["num_statements"] + s.get("num_branches", 0)
    failed = False
    for package in PACKAGES:
        covered, total = totals[package]
        pct = 100.0 * covered / total if total else 0.0
        ok = pct >= FLOOR_PCT
        failed |= not ok
        print(f"coverage {package:<12} {pct:5.1f} % {'ok' if ok else f'< {FLOOR_PCT} % FLOOR'}")  # noqa: T201
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
