"""Six-point landmark files (``kypho-landmarks/1``), judged by the documented rules.

The generator writes plausible spines (boxes and wedges, tilted, in RAS, LPS or AS),
then breaks them: huge, NaN, infinite, negative-zero and non-number coordinates,
missing and extra points, superior/inferior and anterior/posterior swapped, identical
and collinear points, 20,000 levels, duplicate levels, deep nesting, huge files,
byte damage.

The oracle applies, computed here, the rules of ``docs/morphometry.md`` ("Landmarks
file"): at most 1,000,000 bytes of UTF-8; strict JSON (no repeated keys, no NaN or
Infinity, nesting at most 64 deep); ``format``; ``frame`` RAS/LPS/AS; levels named
once each from C1..C7, T1..T13, L1..L6, S1; six points of 2 (AS) or 3 finite numbers
within +-10,000 mm; each superior point >= 0.01 mm superior to its inferior point; the
anterior points anterior to the posterior ones; the points not on one line.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
from typing import Any

from fuzz.jsontext import nesting_depth
from fuzz.target import FuzzTarget

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_MM = 10_000.0
MIN_HEIGHT_MM = 0.01
NAMES = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 14)]
NAMES += [f"L{i}" for i in range(1, 7)] + ["S1"]
POINTS = [f"{e}_{s}" for e in ("superior", "inferior") for s in ("anterior", "middle", "posterior")]
STATIONS = {"anterior": 12.0, "middle": 0.0, "posterior": -12.0}


class Refused(ValueError):
    """The oracle's reason the input must be refused."""


# --- writing -------------------------------------------------------------------------


def _level(rng: random.Random, centre_mm: float) -> dict[str, tuple[float, float]]:
    """(anterior, superior) mm of one body: posterior height 20-30 mm, maybe a wedge."""
    back = rng.uniform(20.0, 30.0)
    front = back * rng.choice([1.0, 1.0, 0.9, 0.7, 0.5, 0.2])
    out = {}
    for name in POINTS:
        end, station = name.split("_")
        a = STATIONS[station]
        half = (front + (back - front) * (12.0 - a) / 24.0) / 2
        out[name] = (a, centre_mm + (half if end == "superior" else -half))
    return out


def _placed(points: dict[str, tuple[float, float]], frame: str, tilt_deg: float) -> dict:
    t = math.radians(tilt_deg)
    out: dict[str, list[float]] = {}
    for name, (a, s) in points.items():
        a2, s2 = a * math.cos(t) - s * math.sin(t), a * math.sin(t) + s * math.cos(t)
        out[name] = {"AS": [a2, s2], "RAS": [5.0, a2, s2], "LPS": [-5.0, -a2, s2]}[frame]
    return out


def valid_document(rng: random.Random) -> dict[str, Any]:
    frame = rng.choice(["RAS", "LPS", "AS", "ras", "lps"])
    first = rng.randrange(len(NAMES) - 8)
    names = NAMES[first : first + rng.randint(1, 8)]
    tilt = rng.uniform(-25.0, 25.0)
    levels = {n: _placed(_level(rng, -35.0 * i), frame.upper(), tilt) for i, n in enumerate(names)}
    return {"format": "kypho-landmarks/1", "frame": frame, "levels": levels}


def _coordinate(rng: random.Random) -> Any:
    return rng.choice(
        [1e308, -1e308, float("nan"), float("inf"), -0.0, "12", True, None, 10**400, 1e-320,
         1e5, 9999.0, [1.0], {"x": 1}]
    )  # fmt: skip


def _swap(points: dict[str, Any], ends: bool) -> None:
    """Swap superior with inferior (``ends``) or anterior with posterior points."""
    pairs = (
        [(f"superior_{s}", f"inferior_{s}") for s in STATIONS]
        if ends
        else [(f"{e}_anterior", f"{e}_posterior") for e in ("superior", "inferior")]
    )
    for a, b in pairs:
        points[a], points[b] = points[b], points[a]


def _line(t: float, frame: str) -> list[float]:
    """A point on a line rising anteriorly and superiorly, in ``frame``."""
    return {"RAS": [0.0, t, t], "LPS": [0.0, -t, t]}.get(frame, [t, t])


def _mutate_level(rng: random.Random, points: dict[str, Any], frame: str) -> None:
    name = rng.choice(POINTS)
    action = rng.randrange(8)
    if action == 0:
        points[name][rng.randrange(len(points[name]))] = _coordinate(rng)
    elif action == 1:
        del points[name]
    elif action == 2:
        points["extra_point"] = points[name]
    elif action == 3:
        points[name] = points[name] + [1.0] if rng.random() < 0.5 else points[name][:1]
    elif action in (4, 5):
        _swap(points, ends=action == 4)
    elif action == 6:
        for k in POINTS:
            points[k] = list(points[name])
    else:  # collinear, yet each superior point above, each anterior point before
        at = dict(zip(POINTS, (30.0, 25.0, 10.0, 20.0, 15.0, 0.0), strict=True))
        for k in POINTS:
            points[k] = _line(at[k], frame)


def _mutate_document(rng: random.Random, doc: dict[str, Any]) -> str | None:
    """Damage the document in one way; may return the finished text instead."""
    levels = doc["levels"]
    action = rng.randrange(12)
    if action <= 3:
        _mutate_level(rng, levels[rng.choice(list(levels))], str(doc["frame"]).upper())
    elif action == 4:
        doc["levels"] = {f"{rng.choice(NAMES)}_{i}": {} for i in range(20_000)}
    elif action == 5:
        name = rng.choice(list(levels))
        levels[rng.choice([name.lower(), f"vertebrae_{name}", f" {name} "])] = levels[name]
    elif action == 6:
        text = json.dumps(doc)
        name = next(iter(levels))
        inner = json.dumps(levels[name])
        return text.replace(f'"{name}": {inner}', f'"{name}": {inner}, "{name}": {inner}', 1)
    elif action == 7:
        depth = rng.choice([10, 63, 65, 2000, 200_000])
        doc["comment"] = "@"
        return json.dumps(doc).replace('"@"', "[" * depth + "]" * depth)
    elif action == 8:
        doc["comment"] = "x" * rng.choice([900_000, 1_100_000])
    elif action == 9:
        doc[rng.choice(["format", "frame", "levels"])] = rng.choice(
            ["kypho-landmarks/2", "XYZ", [], {}, None, 3]
        )
    elif action == 10:
        doc["levels"] = {rng.choice(["spleen", "L7", "", "T14"]): levels[next(iter(levels))]}
    else:
        many = {f"{n}": levels[next(iter(levels))] for n in NAMES}
        doc["levels"] = many
    return None


def _damage_bytes(rng: random.Random, data: bytes) -> bytes:
    action = rng.randrange(4)
    if action == 0 and data:
        pos = rng.randrange(len(data))
        return data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1 :]
    if action == 1:
        return data[: rng.randrange(len(data) + 1)]
    if action == 2:
        return b"\xef\xbb\xbf" + data
    return data + rng.choice([b"\xff", b" ", b"}", b"\x00"])


def generate(rng: random.Random) -> bytes:
    doc = valid_document(rng)
    text = None
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        if text is None:
            # An earlier mutation may have left nothing of that shape to damage.
            with contextlib.suppress(
                KeyError, TypeError, IndexError, AttributeError, StopIteration
            ):
                text = _mutate_document(rng, doc)
    data = (text if text is not None else json.dumps(doc)).encode("utf-8")
    return _damage_bytes(rng, data) if rng.random() < 0.1 else data


# --- the oracle ----------------------------------------------------------------------


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) < len(pairs):
        raise Refused("a repeated key")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise Refused(f"{name} is not a JSON number")


def strict(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise Refused("more than 1,000,000 bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused("not UTF-8") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise Refused("nested more than 64 deep")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except (ValueError, RecursionError) as err:
        if isinstance(err, Refused):
            raise
        raise Refused("not JSON") from None


def _ras(value: Any, frame: str) -> tuple[float, float, float]:
    size = 2 if frame == "AS" else 3
    ok = isinstance(value, list) and len(value) == size
    if not ok or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise Refused(f"a point that is not {size} numbers")
    if not all(abs(x) <= MAX_MM for x in value):  # NaN fails too
        raise Refused("a coordinate beyond 10,000 mm or not finite")
    if frame == "AS":
        return 0.0, float(value[0]), float(value[1])
    sign = -1.0 if frame == "LPS" else 1.0
    return sign * float(value[0]), sign * float(value[1]), float(value[2])


def _check_level(points: Any, frame: str) -> None:
    if not isinstance(points, dict) or set(points) != set(POINTS):
        raise Refused("a level without exactly the six points")
    p = {k: _ras(v, frame) for k, v in points.items()}
    for station in STATIONS:
        if p[f"superior_{station}"][2] - p[f"inferior_{station}"][2] < MIN_HEIGHT_MM:
            raise Refused("a superior point not above its inferior point")
    for end in ("superior", "inferior"):
        if p[f"{end}_anterior"][1] <= p[f"{end}_posterior"][1]:
            raise Refused("an anterior point not anterior to its posterior point")
    ant = [
        p["superior_anterior"][k] - p["superior_posterior"][k]
        + p["inferior_anterior"][k] - p["inferior_posterior"][k]
        for k in range(3)
    ]  # fmt: skip
    up = [sum(p[f"superior_{s}"][k] - p[f"inferior_{s}"][k] for s in STATIONS) for k in range(3)]
    norm = math.sqrt(sum(x * x for x in ant))
    along = sum(u * a / norm for u, a in zip(up, ant, strict=True))
    off = math.sqrt(sum((u - along * a / norm) ** 2 for u, a in zip(up, ant, strict=True)))
    if off < 1e-6:
        raise Refused("the points lie on one line")


def judge(data: bytes) -> tuple[bool | None, str]:
    try:
        doc = strict(data)
        if not isinstance(doc, dict) or doc.get("format") != "kypho-landmarks/1":
            raise Refused("format is not kypho-landmarks/1")
        frame = doc.get("frame")
        if not isinstance(frame, str) or frame.upper() not in ("RAS", "LPS", "AS"):
            raise Refused("frame not RAS, LPS or AS")
        levels = doc.get("levels")
        if not isinstance(levels, dict) or not levels:
            raise Refused("levels not a non-empty object")
        seen = set()
        for raw, points in levels.items():
            name = raw.strip().upper().removeprefix("VERTEBRAE_")
            if name not in NAMES or name in seen:
                raise Refused("a level name unknown or repeated")
            seen.add(name)
            _check_level(points, frame.upper())
        return True, ""
    except Refused as why:
        return False, str(why)


def explain(data: bytes) -> str:
    return judge(data)[1]


TARGET = FuzzTarget(
    name="landmarks",
    suffix=".json",
    argv=lambda path: ["measure", str(path), "--format", "json"],
    generate=generate,
    valid=lambda data: judge(data)[0],
)
EXPLAIN = explain
