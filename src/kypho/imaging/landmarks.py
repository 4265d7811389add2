"""The six-point landmarks JSON format (``kypho-landmarks/1``).

::

    {
      "format": "kypho-landmarks/1",
      "frame": "LPS",                 # RAS or LPS (3-D, mm), or AS (2-D sagittal, mm)
      "levels": {
        "L1": {"superior_anterior": [x, y, z], "superior_middle": [...],
               "superior_posterior": [...], "inferior_anterior": [...],
               "inferior_middle": [...], "inferior_posterior": [...]},
        "T13": {...}
      }
    }

``AS`` points are ``[anterior, superior]`` in a sagittal plane. Points are converted
once to RAS+ mm. Level names are kept as given (T13/L6 are reported by name).

The rules, checked at the border (every problem counted, the first few shown):
coordinates are finite numbers within +-``MAX_COORDINATE_MM``; each level is named once
(``l1`` and ``L1`` are the same level); each superior point lies at least
``MIN_HEIGHT_MM`` superior (along S) to its inferior point, and the anterior points
anterior (along A) to the posterior ones, so swapped points are refused; the six points
must span a plane (not identical, not collinear). The file is at most
``MAX_FILE_BYTES``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from kypho.errors import InvalidInput
from kypho.imaging.problems import refuse
from kypho.morphometry.sixpoint import heights_mm, wedge_angle_deg
from kypho.morphometry.spine import grade_spine
from kypho.morphometry.structures import normalise_structure
from kypho.morphometry.types import Point3, SixPoints, SpineMeasurement, VertebraMeasurement

FORMAT = "kypho-landmarks/1"
POINT_NAMES = tuple(
    f"{end}_{station}"
    for end in ("superior", "inferior")
    for station in ("anterior", "middle", "posterior")
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STATIONS = ("anterior", "middle", "posterior")
_TO_RAS = {"RAS": (1.0, 1.0, 1.0), "LPS": (-1.0, -1.0, 1.0)}
MAX_FILE_BYTES = 1_000_000  # 27 levels of six points need < 20 kB (project convention)
MAX_COORDINATE_MM = 10_000.0  # 10 m: beyond any scanner's field (project convention)
MIN_HEIGHT_MM = 0.01  # superior above inferior by more than rounding (project convention)
MIN_SPAN_MM = 1e-6  # the points must span a plane: collinear points refused
MAX_DEPTH = 64  # nesting of arrays/objects; the format needs 3 (project convention)
SHOWN_CHARS = 60  # of a bad value quoted in a message


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _point(where: str, value: Any, frame: str, problems: list[str]) -> Point3 | None:
    size = 2 if frame == "AS" else 3
    if not isinstance(value, list) or len(value) != size or not all(map(_number, value)):
        problems.append(f"{where}: expected {size} numbers (mm), found {_shown(value)}")
        return None
    # float() of a huge int raises; compare first (ints compare exactly with floats).
    if not all(-MAX_COORDINATE_MM <= x <= MAX_COORDINATE_MM for x in value):
        problems.append(
            f"{where}: expected finite coordinates within +-{MAX_COORDINATE_MM:,.0f} mm, "
            f"found {_shown(value)}"
        )
        return None
    if frame == "AS":
        return 0.0, float(value[0]), float(value[1])
    sx, sy, sz = _TO_RAS[frame]
    return sx * float(value[0]), sy * float(value[1]), sz * float(value[2])


def _order_problems(where: str, six: SixPoints) -> list[str]:
    """Superior above inferior at each station, anterior before posterior on each endplate."""
    found = []
    for station in ("anterior", "middle", "posterior"):
        sup = getattr(six, f"superior_{station}_mm")[2]
        inf = getattr(six, f"inferior_{station}_mm")[2]
        if sup - inf < MIN_HEIGHT_MM:
            found.append(
                f"{where}.superior_{station}: expected at least {MIN_HEIGHT_MM} mm superior to "
                f"inferior_{station} (S {inf:g} mm), found S {sup:g} mm "
                "(points swapped or identical?)"
            )
    for end in ("superior", "inferior"):
        front = getattr(six, f"{end}_anterior_mm")[1]
        back = getattr(six, f"{end}_posterior_mm")[1]
        if front <= back:
            found.append(
                f"{where}.{end}_anterior: expected anterior to {end}_posterior (A {back:g} mm), "
                f"found A {front:g} mm (points swapped or identical?)"
            )
    return found


def _span_mm(six: SixPoints) -> float:
    """How far the endplates' mid-line leaves the anterior axis (mm): 0 when collinear.

    The body's superior axis (``sixpoint.body_frame``) is this residual, normalised; it
    must not vanish, or the wedge angle is undefined.
    """
    sup = [sum(getattr(six, f"superior_{s}_mm")[k] for s in _STATIONS) for k in range(3)]
    inf = [sum(getattr(six, f"inferior_{s}_mm")[k] for s in _STATIONS) for k in range(3)]
    ant = [
        six.superior_anterior_mm[k]
        - six.superior_posterior_mm[k]
        + six.inferior_anterior_mm[k]
        - six.inferior_posterior_mm[k]
        for k in range(3)
    ]
    norm = math.sqrt(sum(x * x for x in ant))
    axis = [x / norm for x in ant]  # ant[1] > 0: the anterior points are anterior
    up = [sup[k] - inf[k] for k in range(3)]
    along = sum(up[k] * axis[k] for k in range(3))
    return math.sqrt(sum((up[k] - along * axis[k]) ** 2 for k in range(3)))


def _six(name: str, entry: Any, frame: str, problems: list[str]) -> SixPoints | None:
    where = f"levels.{name}"
    if not isinstance(entry, dict) or set(entry) != set(POINT_NAMES):
        found = sorted(entry) if isinstance(entry, dict) else entry
        problems.append(
            f"{where}: expected the points {', '.join(POINT_NAMES)}, found {_shown(found)}"
        )
        return None
    before = len(problems)
    pts = {k: _point(f"{where}.{k}", entry[k], frame, problems) for k in POINT_NAMES}
    checked = {f"{k}_mm": v for k, v in pts.items() if v is not None}
    if len(problems) > before or len(checked) != len(POINT_NAMES):
        return None
    six = SixPoints(**checked)
    found = _order_problems(where, six)
    if not found and _span_mm(six) < MIN_SPAN_MM:
        found = [f"{where}: expected six points spanning a vertebra, found them on one line"]
    problems.extend(found)
    return None if found else six


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    counts = Counter(k for k, _ in pairs)
    repeated = sorted(k for k, n in counts.items() if n > 1)
    if repeated:
        raise InvalidInput(f"expected each key once in an object, found {_shown(repeated)} twice")
    return dict(pairs)


def _depth(text: str) -> int:
    """How deep arrays and objects nest, outside strings (a C-speed pass, no recursion)."""
    brackets = re.sub(r"[^\[\]{}]", "", _STRING.sub("", text))
    steps = (1 if ch in "[{" else -1 for ch in brackets)
    return max(itertools.accumulate(steps, initial=0))


def _document(path: Path, text: str) -> dict[str, Any]:
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"{path}: expected arrays and objects nested at most {MAX_DEPTH} deep, found {depth}"
        )
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise InvalidInput(
            f"{path}: line {err.lineno}, column {err.colno}: expected landmarks JSON, found "
            f"invalid JSON ({err.msg.lower().removesuffix(' starting at')})"
        ) from None
    except InvalidInput as err:
        raise InvalidInput(f"{path}: {err}") from None
    except (ValueError, RecursionError):  # a number of > 4300 digits; nesting too deep
        raise InvalidInput(
            f"{path}: expected landmarks JSON, found a number too long or nesting too deep"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise InvalidInput(f'{path}: format: expected "{FORMAT}", found {_shown(found)}')
    return doc


def _no_constant(name: str) -> None:
    raise InvalidInput(f"expected numbers, found {name} (not a number in kypho-landmarks/1)")


def _levels(path: Path, doc: dict[str, Any], frame: str) -> list[tuple[str, SixPoints]]:
    levels = doc.get("levels")
    if not isinstance(levels, dict) or not levels:
        raise InvalidInput(
            f"{path}: levels: expected an object of level name -> points, found {_shown(levels)}"
        )
    problems: list[str] = []
    seen: dict[str, str] = {}
    kept: list[tuple[str, SixPoints]] = []
    for raw, entry in levels.items():
        name = normalise_structure(raw)
        if name is None:
            problems.append(f"levels: expected vertebra names (L1, T13...), found {_shown(raw)}")
            continue
        if name in seen:
            problems.append(
                f"levels: expected {name} once, found {_shown(seen[name])} and {_shown(raw)}"
            )
            continue
        seen[name] = raw
        six = _six(name, entry, frame, problems)
        if six is not None:
            kept.append((name, six))
    refuse(path, problems)
    return kept


def parse_landmarks(path: Path, text: str) -> SpineMeasurement:
    """Parse landmarks JSON text (``path`` only names it in messages) and grade it."""
    doc = _document(path, text)
    frame = str(doc.get("frame", "")).upper() if isinstance(doc.get("frame"), str) else ""
    if frame not in (*_TO_RAS, "AS"):
        raise InvalidInput(
            f"{path}: frame: expected RAS, LPS or AS, found {_shown(doc.get('frame'))}"
        )
    measured = []
    for name, six in _levels(path, doc, frame):
        a, m, p = heights_mm(six)
        measured.append(
            VertebraMeasurement(
                structure=name,
                points=six,
                anterior_height_mm=a,
                middle_height_mm=m,
                posterior_height_mm=p,
                wedge_angle_deg=wedge_angle_deg(six),
            )
        )
    return grade_spine(measured, method="six-point landmarks", layout=f"landmarks ({frame})")


def load_landmarks(path: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> SpineMeasurement:
    """Read and grade a landmarks file (refused above ``max_file_bytes`` before reading)."""
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise InvalidInput(
                f"{path}: expected a landmarks file of at most {max_file_bytes:,} bytes, "
                f"found {size:,}"
            )
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise InvalidInput(f"{path}: expected a readable landmarks file: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(
            f"{path}: expected UTF-8 text, found byte 0x{err.object[err.start]:02x} at byte "
            f"{err.start:,}"
        ) from None
    return parse_landmarks(path, text)
