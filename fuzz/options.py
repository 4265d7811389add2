"""CLI option values: --on, --procedure-date and --procedure-end on a valid case.

An input is a small JSON object of option values; ``argv`` builds the ``plan`` command
line from it (writing a calendar beside the input, so that --procedure-end is used).
The oracle: Python's ``date.fromisoformat``/``datetime.fromisoformat`` for syntax, the
documented date range 1900-01-01 to 2199-12-31 (docs/case-format.md, applied to options
as project convention), and the documented order of dates (docs/case-format.md: events
on or before --on; kypho.planning.dates: the procedure on or after --on, onset, imaging).
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fuzz.casefile import EARLIEST, LATEST, MAX_DAYS_AHEAD, ROOT, Refused
from fuzz.target import FuzzTarget

CASE = ROOT / "examples" / "cases" / "01-acute-l1-worsening-candidate.json"
LATEST_EVENT = date(2026, 11, 19)  # pain[1] and function[0] of CASE
FLOOR = date(2026, 11, 13)  # the MRI of CASE: the procedure comes after it
CASE_PROCEDURE = date(2026, 11, 28)  # procedure.date of CASE
OPTIONS = ("on", "procedure_date", "procedure_end")
VALUES = (
    "9999-12-31T23:59",
    "9999-12-31",
    "0001-01-01",
    "0001-01-01T00:00",
    "2026-13-01T00:00",
    "2026-02-30",
    "bad",
    "",
    " ",
    "99999-01-01",
    "+2026-11-21",
    "2026-11-21",
    "2026-11-25",
    "2026-11-28",
    "2026-11-28T10:00",
    "2026-11-28T23:59:59.999999",
    "2026-11-28T10:00+14:00",
    "2026-11-28T10:00Z",
    "2026-11-29T10:00",
    "2026-11-27T10:00",
    "2199-12-31",
    "2200-01-01",
    "1899-12-31",
    "20261128",
    "2026-W48-6",
    "2026-11-28 10:00",
    "2026-11-28T24:00",
    "2026-11-28T10:60",
    "1" * 400,
    "2026-11-28\x00",
    "2026-11-28\ud800",
)


def _mutated(rng: random.Random) -> str:
    text = list(rng.choice(VALUES))
    for _ in range(rng.randint(0, 2)):
        if text:
            text[rng.randrange(len(text))] = rng.choice("0123456789-:T+Z x")
    return "".join(text)


def _plausible(rng: random.Random) -> dict[str, str]:
    """Values a clinician would type, mostly valid: the oracle's other side."""
    day = rng.choice(("2026-11-28", "2026-11-25", "2026-12-15", "2027-11-20", "2027-11-22"))
    doc = {"on": rng.choice(("2026-11-21", "2026-11-19", "2026-11-25")), "procedure_date": day}
    doc["procedure_end"] = day + rng.choice(("T10:00", "T23:59", "T00:00:00", " 08:30", "T10:00Z"))
    return {k: v for k, v in doc.items() if k != "procedure_date" or rng.random() < 0.7}


def generate(rng: random.Random) -> bytes:
    if rng.random() < 0.3:
        return json.dumps(_plausible(rng)).encode()
    doc = {
        name: (rng.choice(VALUES) if rng.random() < 0.7 else _mutated(rng))
        for name in OPTIONS
        if rng.random() < 0.6
    }
    return json.dumps(doc).encode()


def _load(data: bytes) -> dict[str, str]:
    """The option values of an input; a damaged input (while shrinking) gives none."""
    try:
        doc: Any = json.loads(data.decode("utf-8", "surrogatepass"))
    except ValueError:
        return {}
    return {k: str(v) for k, v in doc.items()} if isinstance(doc, dict) else {}


def argv(path: Path) -> list[str]:
    out = ["plan", str(CASE)]
    for name, text in _load(path.read_bytes()).items():
        out += [f"--{name.replace('_', '-')}", text]
    if "on" not in _load(path.read_bytes()):
        out += ["--on", "2026-11-21"]
    return [*out, "--calendar", str(path.with_suffix(".ics"))]


def _parse(kind: type[date] | type[datetime], text: str) -> Any:
    try:
        found = kind.fromisoformat(text)
    except ValueError:
        raise Refused(f"not an ISO {kind.__name__}") from None
    day = found.date() if isinstance(found, datetime) else found
    if not EARLIEST <= day <= LATEST:
        raise Refused("a date outside 1900-2199")
    return found


def _judge(options: dict[str, str]) -> bool | None:
    if any(v != v.strip() or "\x00" in v for v in options.values()):
        return None
    on = _parse(date, options.get("on", "2026-11-21"))
    day = _parse(date, options["procedure_date"]) if "procedure_date" in options else None
    end = _parse(datetime, options["procedure_end"]) if "procedure_end" in options else None
    if on < LATEST_EVENT:
        raise Refused("a case date after --on")
    procedure = day or CASE_PROCEDURE
    if procedure < on or procedure < FLOOR or (procedure - on).days > MAX_DAYS_AHEAD:
        raise Refused("a procedure before --on or the imaging, or over a year after --on")
    if end is None:
        raise Refused("a calendar without --procedure-end")
    if end.tzinfo is not None or end.date() != procedure:
        return None if end.date() >= procedure else False
    return True


def judge(data: bytes) -> tuple[bool | None, str]:
    try:
        return _judge(_load(data)), ""
    except Refused as why:
        return False, str(why)


TARGET = FuzzTarget(
    name="options",
    suffix=".json",
    argv=argv,
    generate=generate,
    valid=lambda data: judge(data)[0],
)
EXPLAIN = lambda data: judge(data)[1]  # noqa: E731
