"""The harness's classification, on runs written out by hand, and on real processes."""

from __future__ import annotations

from pathlib import Path

from fuzz.campaign import shrink
from fuzz.casefile import TARGET
from fuzz.classify import Run, classify, traceback_signature
from fuzz.harness import Checker, Pool

PATH = Path("/tmp/in-1.json")
ARGV = ["assess", str(PATH)]
TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/x/src/kypho/pathway/recovery.py", line 240, in recovery_timeline\n'
    "OverflowError: date value out of range\n"
)


def _run(code: int, stdout: str = "", stderr: str = "", **kw: object) -> Run:
    return Run(code, stdout, stderr, int(kw.get("rss", 50 * 2**20)), 0.1, bool(kw.get("hung")))  # type: ignore[call-overload]


def test_a_traceback_is_named_by_type_and_innermost_kypho_frame() -> None:
    assert traceback_signature(TRACE) == "OverflowError at recovery.py:recovery_timeline"
    verdict = classify(_run(99, stderr=TRACE), argv=ARGV, path=PATH, valid=None)
    assert (verdict.kind, verdict.signature) == (
        "traceback",
        "OverflowError at recovery.py:recovery_timeline",
    )


def test_exit_status_against_the_oracle() -> None:
    refusal = "kypho: error: /tmp/in-1.json: case_id: required field is missing\n"
    assert classify(_run(2, stderr=refusal), argv=ARGV, path=PATH, valid=False).kind == "ok"
    assert classify(_run(2, stderr=refusal), argv=ARGV, path=PATH, valid=True).kind == "wrong_exit"
    assert classify(_run(0), argv=ARGV, path=PATH, valid=False, why="x").signature == (
        "accepted though invalid: x"
    )
    assert classify(_run(0), argv=ARGV, path=PATH, valid=True).kind == "ok"
    assert (
        classify(_run(2), argv=ARGV, path=PATH, valid=None).signature == "exit 2 without a message"
    )


def test_hangs_memory_and_message_faults() -> None:
    assert classify(_run(-9, hung=True), argv=ARGV, path=PATH, valid=None).kind == "hang"
    assert classify(_run(0, rss=3 * 2**30), argv=ARGV, path=PATH, valid=None).kind == "memory"
    nameless = "kypho: error: case_id: required field is missing\n"
    assert classify(_run(2, stderr=nameless), argv=ARGV, path=PATH, valid=False).kind == "message"
    assert classify(_run(0, stdout="Hm inf"), argv=ARGV, path=PATH, valid=None).kind == "message"
    internal = "kypho: error: /tmp/in-1.json: Input should be a valid integer\n"
    assert classify(_run(2, stderr=internal), argv=ARGV, path=PATH, valid=False).kind == "message"


def test_a_real_child_reports_its_exit_status_and_memory(tmp_path: Path) -> None:
    checker = Checker(TARGET, Pool(tmp_path, jobs=1))
    path = checker.write(b'{"case_id": 1}')
    run = checker.pool.run(TARGET.argv(path))
    assert run.exit_code == 2
    assert "case_id" in run.stderr and path.name in run.stderr
    assert 10 * 2**20 < run.rss_bytes < 2 * 2**30
    assert checker.judge(b'{"case_id": 1}', run, path).kind == "ok"


def test_shrinking_keeps_the_failure_and_cuts_the_rest(tmp_path: Path) -> None:
    checker = Checker(TARGET, Pool(tmp_path, jobs=1))
    data = b'{"case_id": "A", "patient": {"sex": "female"}, "pain": [{"score": 7}], "zz": 1}'
    verdict = checker.check(data)
    small = shrink(checker, data, verdict, budget_s=20)
    assert len(small) < len(data)
    assert checker.check(small).signature == verdict.signature
