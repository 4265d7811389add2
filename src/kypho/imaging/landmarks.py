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
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kypho.errors import InvalidInput
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
_TO_RAS = {"RAS": (1.0, 1.0, 1.0), "LPS": (-1.0, -1.0, 1.0)}


def _point(path: Path, where: str, value: Any, frame: str) -> Point3:
    size = 2 if frame == "AS" else 3
    if not isinstance(value, list) or len(value) != size:
        raise InvalidInput(f"{path}: {where}: expected {size} numbers (mm), got {value!r}")
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise InvalidInput(f"{path}: {where}: expected numbers (mm), got {value!r}")
    if frame == "AS":
        return 0.0, float(value[0]), float(value[1])
    sx, sy, sz = _TO_RAS[frame]
    return sx * value[0], sy * value[1], sz * value[2]


def _six(path: Path, name: str, entry: Any, frame: str) -> SixPoints:
    if not isinstance(entry, dict) or set(entry) != set(POINT_NAMES):
        raise InvalidInput(
            f"{path}: levels.{name}: expected the points {', '.join(POINT_NAMES)}, "
            f"got {sorted(entry) if isinstance(entry, dict) else entry!r}"
        )
    pts = {k: _point(path, f"levels.{name}.{k}", entry[k], frame) for k in POINT_NAMES}
    return SixPoints(**{f"{k}_mm": v for k, v in pts.items()})


def parse_landmarks(path: Path, text: str) -> SpineMeasurement:
    """Parse landmarks JSON text (``path`` only names it in messages) and grade it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{path}: expected landmarks JSON, found invalid JSON: {err}") from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInput(f'{path}: expected "format": "{FORMAT}"')
    frame = str(doc.get("frame", "")).upper()
    if frame not in (*_TO_RAS, "AS"):
        raise InvalidInput(f"{path}: frame: expected RAS, LPS or AS, got {doc.get('frame')!r}")
    levels = doc.get("levels")
    if not isinstance(levels, dict) or not levels:
        raise InvalidInput(f"{path}: levels: expected an object of level name -> points")
    measured = []
    for raw, entry in levels.items():
        name = normalise_structure(raw)
        if name is None:
            raise InvalidInput(f"{path}: levels: expected vertebra names (L1, T13...), got {raw!r}")
        six = _six(path, name, entry, frame)
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


def load_landmarks(path: Path) -> SpineMeasurement:
    """Read and grade a landmarks file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InvalidInput(f"{path}: expected a readable landmarks file: {err.strerror}") from err
    return parse_landmarks(path, text)
