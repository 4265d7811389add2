"""Every reproducer the fuzz campaigns found (and issue 15's examples), as real processes.

Each input is minimal bytes, run through ``kypho.cli.main`` in its own process by the
harness; each must be refused (exit 2) with a message naming the input, or accepted,
never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.harness import Checker, Pool
from fuzz.target import FuzzTarget

from fuzz import casefile, options, policy

DEEP_TOML = b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n"
CASES: list[tuple[str, FuzzTarget, bytes, int, str]] = [
    # issue 15: a 400-digit integer age gave OverflowError
    (
        "400-digit age",
        casefile.TARGET,
        b'{"case_id":"A","patient":{"age_years":1' + b"0" * 399 + b"}}",
        2,
        "400-digit",
    ),
    (
        "schema_version 2",
        casefile.TARGET,
        b'{"case_id":"A","schema_version":2}',
        2,
        "schema_version",
    ),
    ("lone surrogate", casefile.TARGET, b'{"case_id":"\\ud800"}', 2, "lone surrogate escape"),
    (
        "NaN height",
        casefile.TARGET,
        b'{"case_id":"A","patient":{"height_cm":NaN}}',
        2,
        "finite number",
    ),
    (
        "1e999 height",
        casefile.TARGET,
        b'{"case_id":"A","patient":{"height_cm":1e999}}',
        2,
        "height_cm",
    ),
    (
        "several problems",
        casefile.TARGET,
        b'{"case_id":1,"patient":{"sex":"x","asa_class":9}}',
        2,
        "2 more problems",
    ),
    (
        "date after --on",
        casefile.TARGET,
        b'{"case_id":"A","pain":[{"score":5,"date":"2026-11-22"}]}',
        2,
        "assessment date",
    ),
    # found by the long campaign: these messages did not name the case file
    (
        "plan: procedure over a year ahead",
        casefile.PLAN_TARGET,
        b'{"case_id":"A","procedure":{"date":"2199-12-31"}}',
        2,
        "procedure.date: expected a procedure date within 365 days",
    ),
    (
        "outcomes: no procedure date",
        casefile.OUTCOMES_TARGET,
        b'{"case_id":"A"}',
        2,
        "expected a procedure date",
    ),
    # found by the fuzz campaign (policy): deep nesting gave RecursionError in parse_toml
    ("deep TOML arrays", policy.TARGET, DEEP_TOML, 2, "nested too deeply"),
    # issue 15 and the options campaign: OverflowError in recovery_timeline; accepted 9999
    (
        "procedure-end 9999",
        options.TARGET,
        b'{"procedure_end":"9999-12-31T23:59"}',
        2,
        "--procedure-end",
    ),
    (
        "procedure-date 9999",
        options.TARGET,
        b'{"procedure_date":"9999-12-31","procedure_end":"9999-12-31T10:00"}',
        2,
        "--procedure-date",
    ),
    (
        "on 0001",
        options.TARGET,
        b'{"on":"0001-01-01","procedure_end":"2026-11-28T10:00"}',
        2,
        "--on",
    ),
    (
        "procedure-end month 13",
        options.TARGET,
        b'{"procedure_end":"2026-13-01T00:00"}',
        2,
        "--procedure-end",
    ),
    ("procedure-end bad", options.TARGET, b'{"procedure_end":"bad"}', 2, "--procedure-end"),
    ("procedure-end fine", options.TARGET, b'{"procedure_end":"2026-11-28T10:00"}', 0, ""),
]


@pytest.mark.parametrize(
    ("target", "data", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_reproducer_is_handled(
    target: FuzzTarget, data: bytes, code: int, words: str, tmp_path: Path
) -> None:
    checker = Checker(target, Pool(tmp_path, jobs=1))
    path = checker.write(data)
    run = checker.pool.run(target.argv(path))
    assert "Traceback" not in run.stderr
    assert run.exit_code == code, run.stderr
    assert words in run.stderr
    assert checker.judge(data, run, path).kind == "ok"
