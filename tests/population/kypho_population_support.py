"""Exports built from the bundled example cases, with bad lines at known line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kypho.casefile import load_case
from kypho.rules import assess, load_policy, policy_names

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON = "2026-11-21"
# (line text, the reason its error row must give): each refused for a different cause
BAD_LINES = (
    ("this is not json", "not valid JSON"),
    ('{"patient": {}}', "case_id"),
    ('{"case_id": "late", "fractures": [{"level": "L1", "symptom_onset_date": "2027-01-05"}]}',
     "on or before the assessment date 2026-11-21"),
)  # fmt: skip


def example_lines() -> list[str]:
    """Each bundled example case as one line of JSON (sorted by file name)."""
    return [
        json.dumps(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(EXAMPLES.glob("*.json"))
    ]


def write_jsonl(path: Path) -> dict[int, str]:
    """The examples, a blank line, the bad lines and the examples again.

    Returns the expected reason for every bad line, by line number.
    """
    good = example_lines()
    lines = [*good, "", *[text for text, _ in BAD_LINES], *good]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first_bad = len(good) + 2
    return {first_bad + i: reason for i, (_, reason) in enumerate(BAD_LINES)}


def write_parquet(path: Path, texts: list[str | None], *, rows_per_group: int) -> None:
    table = pa.table({"case": pa.array(texts, pa.string()), "note": list(range(len(texts)))})
    pq.write_table(table, path, row_group_size=rows_per_group)


def expected_decisions() -> dict[tuple[str, str], tuple[str, list[dict[str, str]], int]]:
    """(case id, policy) -> (decision, per-level decisions, missing count) by ``assess``."""
    from datetime import date

    day = date.fromisoformat(ON)
    out = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        case = load_case(path)
        for name in policy_names():
            a = assess(case, load_policy(name), on=day)
            levels = [{"level": la.level.value, "decision": la.decision.value} for la in a.levels]
            out[(case.case_id, name)] = (a.decision.value, levels, len(a.missing))
    return out
