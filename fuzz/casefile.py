"""Case files: mutated bundled examples and byte damage, judged by the published schema.

The oracle reads the bytes itself (UTF-8 with an optional byte-order mark, strict JSON:
no repeated keys, no NaN or infinities, at most 1000 digits a number, no lone
surrogates), validates against ``docs/case.schema.json`` with ``jsonschema``, then
applies the cross-field rules that docs/case-format.md lists. It returns ``None``
where those documents do not decide.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from fuzz import mutate
from fuzz.jsontext import dumps
from fuzz.target import FuzzTarget

ROOT = Path(__file__).resolve().parents[1]
ON = date(2026, 11, 21)
ON_TEXT = ON.isoformat()
OUTCOMES_ON = date(2026, 12, 31)
MAX_DAYS_AHEAD = 365  # kypho.planning.dates: a plan is for a procedure within a year
MAX_BYTES = 2_000_000  # docs/case-format.md "Size"
MAX_DIGITS = 1000  # docs/case-format.md "Numbers have at most 1000 digits"
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)  # docs/case-format.md "Dates"
EVENTS = (
    ("fractures", "symptom_onset_date"),
    ("imaging", "date"),
    ("pain", "date"),
    ("function", "date"),
    ("conservative_care", "start_date"),
    ("follow_up", "date"),
)


class Refused(ValueError):
    """The oracle's reason an input must be refused."""


@cache
def examples() -> tuple[dict[str, Any], ...]:
    paths = sorted((ROOT / "examples" / "cases").glob("*.json"))
    return tuple(json.loads(p.read_text(encoding="utf-8")) for p in paths)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "docs" / "case.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _number(text: str) -> Any:
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_DIGITS:
        raise Refused(f"a number of {digits} digits")
    value = float(text) if any(c in text for c in ".eE") else int(text)
    if value in (float("inf"), float("-inf")):
        raise Refused("a number out of range")
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) < len(pairs):
        raise Refused("a repeated key")
    if any(_surrogate(k) for k, _ in pairs) or any(
        isinstance(v, str) and _surrogate(v) for _, v in pairs
    ):
        raise Refused("a lone surrogate")
    return dict(pairs)


def _surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _constant(name: str) -> Any:
    raise Refused(f"the token {name}")


def strict_json(data: bytes) -> Any:
    """The JSON value in ``data``, or ``Refused`` with the reason."""
    if len(data) > MAX_BYTES:
        raise Refused("too large")
    try:
        text = data.decode("utf-8-sig")
        return json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_constant,
            parse_int=_number,
            parse_float=_number,
        )
    except UnicodeDecodeError:
        raise Refused("not UTF-8") from None
    except json.JSONDecodeError:
        raise Refused("not JSON") from None
    except RecursionError:
        raise Refused("nested too deeply") from None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _records(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = doc.get(key)
    return found if isinstance(found, list) else []


def _all_dates(doc: Any) -> list[date]:
    out: list[date] = []
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, val in item.items():
                if (key == "date" or key.endswith("_date")) and isinstance(val, str):
                    out.append(date.fromisoformat(val))
                else:
                    stack.append(val)
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _events(doc: dict[str, Any]) -> list[date]:
    days = [_day(r.get(k)) for key, k in EVENTS for r in _records(doc, key)]
    days += [
        _day(e.get("date"))
        for v in _records(doc, "follow_up")
        for e in v.get("new_fracture_events") or []
        if isinstance(e, dict)
    ]
    return [d for d in days if d is not None]


def _check_new_fracture_events(doc: dict[str, Any]) -> None:
    """docs/case-format.md: each dated new fracture is listed in new_fractures, by its visit."""
    for v in _records(doc, "follow_up"):
        listed, visit_day = set(v.get("new_fractures") or []), _day(v.get("date"))
        for e in v.get("new_fracture_events") or []:
            day = _day(e.get("date"))
            if e.get("level") not in listed or (day and visit_day and day > visit_day):
                raise Refused("a new-fracture event not in new_fractures, or after its visit")


def _check_findings(doc: dict[str, Any]) -> bool | None:
    for study in _records(doc, "imaging"):
        for f in study.get("findings") or []:
            lo, hi, pct = (
                f.get(k) for k in ("height_loss_min_pct", "height_loss_max_pct", "height_loss_pct")
            )
            if (lo is None) != (hi is None):
                raise Refused("height_loss_min/max not together")
            if lo is not None and pct is None:
                return None
            if lo is not None and not lo <= pct <= hi:
                raise Refused("height_loss_pct outside its range")
    return True


DENSITY_LEVELS = ("T12", "L1", "L2", "L3", "L4", "L5")  # Pickhardt 2013 read T12-L5 (6.1)


def _density_flag(mean_hu: float) -> str:
    """docs/case-format.md: the flag follows mean_hu, both cut-offs inclusive (6.1)."""
    if mean_hu <= 110:
        return "at_or_below_110_hu"
    return "at_or_below_160_hu" if mean_hu <= 160 else "above_160_hu"


def _check_bone_density(doc: dict[str, Any]) -> None:
    for study in _records(doc, "imaging"):
        density = study.get("bone_density")
        if not isinstance(density, dict):
            continue
        if study.get("modality") != "ct":
            raise Refused("bone_density on a study that is not CT")
        if density.get("level") not in DENSITY_LEVELS:
            raise Refused("bone_density.level outside T12-L5")
        flag, mean = density.get("flag"), density.get("mean_hu")
        if flag is not None and isinstance(mean, int | float) and flag != _density_flag(mean):
            raise Refused("bone_density.flag disagrees with mean_hu")


def cross_field(doc: dict[str, Any], *, on: date | None) -> bool | None:
    """docs/case-format.md "Checks across fields" and "Dates that must add up"."""
    if any(not EARLIEST <= d <= LATEST for d in _all_dates(doc)):
        raise Refused("a date outside 1900-2199")
    lists = [[f.get("level") for f in _records(doc, "fractures")]]
    lists += [[f.get("level") for f in s.get("findings") or []] for s in _records(doc, "imaging")]
    lists.append(list((doc.get("procedure") or {}).get("levels") or []))
    if any(len(set(levels)) < len(levels) for levels in lists):
        # fractures: docs/case-format.md; findings of one study and procedure.levels:
        # kypho's message "expected each level once" (project convention, to document)
        raise Refused("a level twice in one list")
    for c in _records(doc, "conservative_care"):
        start, end = _day(c.get("start_date")), _day(c.get("end_date"))
        if start and end and end < start:
            raise Refused("end_date before start_date")
    patient = doc.get("patient") or {}
    if patient.get("sex") == "male" and patient.get("pregnant") is True:
        raise Refused("a pregnant male")
    birth = _day(patient.get("birth_date"))
    events = _events(doc)
    if birth and any(d < birth for d in events):
        raise Refused("an event before the birth date")
    proc = _day((doc.get("procedure") or {}).get("date"))
    if proc and any(
        _day(v.get("date")) and _day(v.get("date")) <= proc for v in _records(doc, "follow_up")
    ):  # type: ignore[operator]
        raise Refused("a follow-up visit not after the procedure")
    _check_new_fracture_events(doc)
    _check_bone_density(doc)
    if on is not None and any(d > on for d in [*events, *([birth] if birth else [])]):
        raise Refused("a date after --on")
    if str(doc.get("case_id", "x")).strip() == "":
        return None
    return _check_findings(doc)


def judge(data: bytes, *, on: date | None = ON) -> tuple[bool | None, str]:
    """(valid, reason) for one case file as ``assess --on ON`` must treat it."""
    try:
        doc = strict_json(data)
        error = next(iter(_validator().iter_errors(doc)), None)
        if error is not None:
            path = ".".join(str(p) for p in error.absolute_path)
            raise Refused(f"schema: {path or 'top'} {error.validator}")
        return cross_field(doc, on=on), ""
    except Refused as why:
        return False, str(why)


def _plan_judge(data: bytes) -> tuple[bool | None, str]:
    valid, why = judge(data)
    if valid is not True:
        return valid, why
    doc = strict_json(data)
    proc = _day((doc.get("procedure") or {}).get("date"))
    if proc is None:
        return True, ""
    if proc < ON or (proc - ON).days > MAX_DAYS_AHEAD:
        return False, "procedure date before --on or more than a year after it"
    onsets = [_day(f.get("symptom_onset_date")) for f in _records(doc, "fractures")]
    studies = [_day(s.get("date")) for s in _records(doc, "imaging")]
    if any(d is not None and proc < d for d in [*onsets, *studies]):
        return None, ""
    return True, ""


def _outcomes_judge(data: bytes) -> tuple[bool | None, str]:
    """``outcomes --on OUTCOMES_ON``: the procedure date given, on or before --on."""
    valid, why = judge(data, on=OUTCOMES_ON)
    if valid is not True:
        return valid, why
    doc = strict_json(data)
    proc = _day((doc.get("procedure") or {}).get("date"))
    if proc is None or proc > OUTCOMES_ON:
        return False, "no procedure date on or before --on"
    onsets = [_day(f.get("symptom_onset_date")) for f in _records(doc, "fractures")]
    studies = [_day(s.get("date")) for s in _records(doc, "imaging")]
    if any(d is not None and proc < d for d in onsets):
        return False, "a procedure before a symptom onset"
    if any(d is not None and proc < d for d in studies):
        return None, ""
    return True, ""


def generate(rng: random.Random) -> bytes:
    """A bundled example, mutated in structure or damaged as bytes (or left whole)."""
    doc = copy.deepcopy(rng.choice(examples()))
    roll = rng.random()
    if roll < 0.05:
        return json.dumps(doc, indent=2).encode()
    if roll < 0.75:
        for _ in range(rng.choice((1, 1, 2, 3, 5))):
            doc = mutate.structure(doc, rng)
        return dumps(doc).encode("utf-8", "surrogatepass")
    return mutate.damage(json.dumps(doc, indent=rng.choice((None, 2))).encode(), rng)


def explain(data: bytes) -> str:
    return judge(data)[1]


TARGET = FuzzTarget(
    name="case",
    suffix=".json",
    argv=lambda path: ["assess", str(path), "--on", ON_TEXT, "-p", "practice"],
    generate=generate,
    valid=lambda data: judge(data)[0],
)
EXPLAIN = explain

PLAN_TARGET = FuzzTarget(
    name="case-plan",
    suffix=".json",
    argv=lambda path: ["plan", str(path), "--on", ON_TEXT],
    generate=generate,
    valid=lambda data: _plan_judge(data)[0],
)

OUTCOMES_TARGET = FuzzTarget(
    name="case-outcomes",
    suffix=".json",
    argv=lambda path: ["outcomes", str(path), "--on", OUTCOMES_ON.isoformat()],
    generate=generate,
    valid=lambda data: _outcomes_judge(data)[0],
)
EXPLAINS = {
    "case": explain,
    "case-plan": lambda data: _plan_judge(data)[1],
    "case-outcomes": lambda data: _outcomes_judge(data)[1],
}
