"""Six-point landmarks JSON: 2-D sagittal and 3-D frames, known heights, bad files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from kypho.cli import main
from kypho.imaging.landmarks import POINT_NAMES, load_landmarks

# A symmetric wedge in its own (anterior, superior) mm frame: stations at +12, 0, -12 mm.
WEDGE_AS = {
    "superior_anterior": (12.0, 7.5),
    "superior_middle": (0.0, 10.0),
    "superior_posterior": (-12.0, 13.0),
    "inferior_anterior": (12.0, -7.5),
    "inferior_middle": (0.0, -10.0),
    "inferior_posterior": (-12.0, -13.0),
}
WEDGE_HEIGHTS_MM = (15.0, 20.0, 26.0)
WEDGE_ANGLE_DEG = 2 * math.degrees(math.atan2(13.0 - 7.5, 24.0))


def _box(height_mm: float) -> dict[str, tuple[float, float]]:
    half = height_mm / 2
    return {
        name: (
            {"anterior": 12.0, "middle": 0.0, "posterior": -12.0}[name.split("_")[1]],
            half if name.startswith("superior") else -half,
        )
        for name in POINT_NAMES
    }


def _shifted(points: dict[str, tuple[float, float]], superior_mm: float) -> dict[str, list[float]]:
    return {k: [a, s + superior_mm] for k, (a, s) in points.items()}


def _spine_as() -> dict[str, dict[str, list[float]]]:
    return {
        "T12": _shifted(_box(26.0), 36.0),
        "L1": _shifted(WEDGE_AS, 0.0),
        "L2": _shifted(_box(26.0), -36.0),
    }


def _to_lps(points: dict[str, list[float]], *, tilt_deg: float, x_mm: float) -> dict:
    """AS points tilted in the sagittal plane, placed at RAS x, written as LPS."""
    t = math.radians(tilt_deg)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    out = {}
    for k, p in points.items():
        a, s = rot @ np.asarray(p)
        out[k] = [-x_mm, -float(a), float(s)]  # RAS (x, a, s) -> LPS (-x, -a, s)
    return out


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "landmarks.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_sagittal_2d_heights_angle_and_grade_are_exact(tmp_path: Path) -> None:
    doc = {"format": "kypho-landmarks/1", "frame": "AS", "levels": _spine_as()}
    spine = load_landmarks(_write(tmp_path, doc))
    l1 = spine.get("L1")
    assert l1.vertebra.heights_mm == pytest.approx(WEDGE_HEIGHTS_MM, abs=1e-9)
    assert l1.vertebra.wedge_angle_deg == pytest.approx(WEDGE_ANGLE_DEG, abs=1e-9)
    assert l1.height_loss_pct == pytest.approx(100 * (26 - 15) / 26)
    assert (l1.genant_grade, l1.morphology) == (3, "wedge")
    assert spine.get("T12").vertebra.heights_mm == pytest.approx((26.0, 26.0, 26.0))


def test_3d_lps_tilted_gives_the_same_heights_and_angle(tmp_path: Path) -> None:
    levels = {k: _to_lps(v, tilt_deg=20.0, x_mm=7.0) for k, v in _spine_as().items()}
    doc = {"format": "kypho-landmarks/1", "frame": "LPS", "levels": levels}
    l1 = load_landmarks(_write(tmp_path, doc)).get("L1").vertebra
    assert l1.heights_mm == pytest.approx(WEDGE_HEIGHTS_MM, abs=1e-9)
    assert l1.wedge_angle_deg == pytest.approx(WEDGE_ANGLE_DEG, abs=1e-9)
    assert l1.points is not None and l1.points.superior_anterior_mm[0] == pytest.approx(7.0)


def test_cli_reads_landmarks_and_reports_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {"format": "kypho-landmarks/1", "frame": "AS", "levels": _spine_as()}
    assert main(["measure", str(_write(tmp_path, doc)), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "six-point landmarks"
    l1 = next(lv for lv in out["levels"] if lv["level"] == "L1")
    assert (l1["anterior_height_mm"], l1["middle_height_mm"], l1["posterior_height_mm"]) == (
        15.0,
        20.0,
        26.0,
    )


def _without_inferior_middle(levels: dict) -> dict:
    levels["L1"].pop("inferior_middle")
    return levels


BAD = {
    "missing point": (lambda lv: ("AS", _without_inferior_middle(lv)), "levels.L1"),
    "point of 2 numbers in 3-D": (lambda lv: ("RAS", lv), "levels.T12.superior_anterior"),
    "text in a point": (
        lambda lv: ("AS", {**lv, "L2": {**lv["L2"], "inferior_middle": ["a", 1]}}),
        "levels.L2.inferior_middle",
    ),
    "unknown frame": (lambda lv: ("XYZ", lv), "frame"),
    "not a vertebra": (lambda lv: ("AS", {"spleen": lv["L1"]}), "levels"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_file_exits_2_naming_the_field(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, field = BAD[case]
    frame, levels = make(_spine_as())
    path = _write(tmp_path, {"format": "kypho-landmarks/1", "frame": frame, "levels": levels})
    assert main(["measure", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{path}: {field}" in err


def test_invalid_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "kypho-landmarks/1", ', encoding="utf-8")
    assert main(["measure", str(path)]) == 2
    assert "invalid JSON" in capsys.readouterr().err
