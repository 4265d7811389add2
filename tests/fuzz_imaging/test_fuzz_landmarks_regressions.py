"""Landmark files that broke ``kypho measure`` (issue 15), each now refused at the border.

Every case is the input as the fuzz campaign or the issue found it, run through the CLI
entry point: exit 2, one message naming the file and the field, no traceback, no
``inf``/``nan`` printed. The last test is the valid side of each boundary.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from kypho.cli import main
from kypho.errors import InvalidInput
from kypho.imaging.landmarks import POINT_NAMES, load_landmarks

# A 26 mm box in the sagittal (anterior, superior) plane, stations at +12, 0, -12 mm.
BOX_AS = {
    "superior_anterior": [12.0, 13.0],
    "superior_middle": [0.0, 13.0],
    "superior_posterior": [-12.0, 13.0],
    "inferior_anterior": [12.0, -13.0],
    "inferior_middle": [0.0, -13.0],
    "inferior_posterior": [-12.0, -13.0],
}


def _doc(points: dict | None = None, **levels: dict) -> dict:
    return {
        "format": "kypho-landmarks/1",
        "frame": "AS",
        "levels": levels or {"L1": points if points is not None else BOX_AS},
    }


def _run(tmp_path: Path, text: str | bytes, capsys: pytest.CaptureFixture[str]) -> tuple:
    path = tmp_path / "marks.json"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    code = main(["measure", str(path), "--format", "json"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _with(name: str, value: object) -> dict:
    return {**BOX_AS, name: value}


def _swapped(a: str, b: str) -> dict:
    """BOX_AS with the words ``a`` and ``b`` exchanged in every point name."""
    return {k.replace(a, "@").replace(b, a).replace("@", b): v for k, v in BOX_AS.items()}


ON_A_LINE = [[30, 30], [25, 25], [10, 10], [20, 20], [15, 15], [0, 0]]  # rising anteriorly
TWICE = json.dumps(_doc()).replace('"L1": ', '"L1": ' + json.dumps(BOX_AS) + ', "L1": ', 1)
DEEP = json.dumps({**_doc(), "note": "@"}).replace('"@"', "[" * 100_000 + "]" * 100_000)
NOT_UTF8 = b'{"format": "kypho-landmarks/1", "frame": "\xff"}'


REFUSED = [
    # (what, the file's text, words the message must hold)
    ("1e308", json.dumps(_doc(_with("superior_middle", [0.0, 1e308]))),
     "levels.L1.superior_middle: expected finite coordinates within +-10,000 mm"),
    ("NaN", json.dumps(_doc(_with("superior_middle", [0.0, float("nan")]))),
     "expected numbers, found NaN"),
    ("Infinity", json.dumps(_doc(_with("inferior_middle", [0.0, float("-inf")]))),
     "found -Infinity"),
    ("1e400 parses to inf", json.dumps(_doc()).replace("13.0]", "1e400]", 1),
     "within +-10,000 mm"),
    ("a 400-digit integer", json.dumps(_doc(_with("superior_middle", [0, 10**400]))),
     "within +-10,000 mm"),
    ("superior and inferior swapped", json.dumps(_doc(_swapped("superior", "inferior"))),
     "levels.L1.superior_anterior: expected at least 0.01 mm superior to inferior_anterior"),
    ("anterior and posterior swapped", json.dumps(_doc(_swapped("anterior", "posterior"))),
     "levels.L1.superior_anterior: expected anterior to superior_posterior"),
    ("identical points", json.dumps(_doc(dict.fromkeys(POINT_NAMES, [1.0, 1.0]))),
     "points swapped or identical"),
    ("collinear points", json.dumps(_doc(dict(zip(POINT_NAMES, ON_A_LINE, strict=True)))),
     "levels.L1: expected six points spanning a vertebra, found them on one line"),
    ("a string coordinate", json.dumps(_doc(_with("superior_middle", ["0", 13.0]))),
     "levels.L1.superior_middle: expected 2 numbers (mm)"),
    ("a missing point", json.dumps(_doc({k: BOX_AS[k] for k in POINT_NAMES[:5]})),
     "levels.L1: expected the points"),
    ("the same level twice", TWICE, "expected each key once in an object, found ['L1'] twice"),
    ("l1 and L1", json.dumps(_doc(L1=BOX_AS, l1=BOX_AS)),
     "levels: expected L1 once, found 'L1' and 'l1'"),
    ("deep nesting", DEEP, "expected arrays and objects nested at most 64 deep, found 100001"),
    ("not UTF-8", NOT_UTF8, "expected UTF-8 text, found byte 0xff"),
    ("cut short", json.dumps(_doc())[:40], "line 1, column"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "text", "needle"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_reproducer_is_refused_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, text: str, needle: str
) -> None:
    code, out, err = _run(tmp_path, text, capsys)
    assert code == 2, what
    assert out == ""
    assert err.startswith(f"kypho: error: {tmp_path / 'marks.json'}: ")
    assert needle in err
    assert "Traceback" not in err


def test_twenty_thousand_levels_are_refused_quickly_with_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = {f"L1_{i}": [] for i in range(20_000)}
    start = time.perf_counter()
    code, _, err = _run(tmp_path, json.dumps(_doc(**levels)), capsys)
    assert code == 2
    assert (
        time.perf_counter() - start < 120.0
    )  # a bound against runaway time, not a benchmark (bench/fuzz.py times it)
    assert "levels: expected vertebra names (L1, T13...), found 'L1_0'" in err
    assert "(and 19997 more problems)" in err  # three shown, 19,997 counted


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({**_doc(), "note": "x" * 1_000_000}), encoding="utf-8")
    with pytest.raises(
        InvalidInput,
        match=r"big.json: expected a landmarks file of at most 1,000,000 bytes, found 1,0",
    ):
        load_landmarks(path)
    load_landmarks(path, max_file_bytes=2_000_000)  # the limit is an argument


def test_the_valid_side_of_each_boundary_is_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edge = {
        **BOX_AS,
        "superior_middle": [0.0, -10_000.0 + 0.01],  # S difference exactly 0.01 mm
        "inferior_middle": [0.0, -10_000.0],  # the coordinate limit itself
    }
    nested = {**_doc(), "note": json.loads("[" * 62 + "]" * 62)}  # 64 deep with the root
    for doc in (_doc(edge), nested, _doc(_with("superior_middle", [-0.0, 13.0]))):
        code, out, err = _run(tmp_path, json.dumps(doc), capsys)
        assert (code, err) == (0, ""), err
        assert not re.search(r"\b(nan|inf|infinity)\b", out, re.IGNORECASE)
        assert json.loads(out)["levels"][0]["level"] == "L1"
