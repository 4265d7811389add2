"""Label layouts end to end: VerSe ids in a float volume, with a transitional T13."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from kypho.casefile import load_case
from kypho.cli import main
from kypho.domain.levels import Level
from kypho.imaging.layouts import Layout, detect_layout
from phantoms import VERSE_IDS, normal, spine, wall_heights_mm, wedge, write_nifti

# T13 (VerSe label 28) sits between T12 (19) and L1 (20); its height is unlike both
# neighbours, so a T13 mapped onto T12 or L1 would show.
SPECS = [
    normal("T12", 25.0),
    normal("T13", 21.0),
    wedge("L1", anterior_height_mm=16.0, posterior_height_mm=27.0),
    normal("L2", 27.0),
]


@pytest.fixture(scope="module")
def verse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verse") / "sub-01_seg-vert_msk.nii.gz"
    ph = spine(SPECS, spacing_mm=(1.0, 1.0, 1.0), label_ids=VERSE_IDS)
    write_nifti(ph, path, dtype=np.float32)  # VerSe masks are often stored as floats
    return path


def test_verse_float_labels_report_t13_by_name(
    verse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["measure", str(verse), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["layout"] == "verse"
    levels = {lv["level"]: lv for lv in doc["levels"]}
    assert list(levels) == ["T12", "T13", "L1", "L2"]
    assert levels["T13"]["in_level_enum"] is False
    tol = math.hypot(1.0, 1.0, 1.0)
    for spec in SPECS:  # heights at the walls, the default stations
        got, (front, _, back) = levels[spec.structure], wall_heights_mm(spec)
        assert got["anterior_height_mm"] == pytest.approx(front, abs=tol)
        assert got["posterior_height_mm"] == pytest.approx(back, abs=tol)


def test_t13_never_becomes_a_neighbouring_level_in_the_case(
    verse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = (
        Path(__file__).resolve().parents[2] / "examples/cases/01-acute-l1-worsening-candidate.json"
    )
    out = tmp_path / "new.json"
    args = ["measure", str(verse), "--into-case", str(base), "--out", str(out)]
    assert main([*args, "--study-date", "2026-11-20"]) == 0
    capsys.readouterr()
    findings = load_case(out).imaging[-1].findings
    assert [f.level for f in findings] == [Level.T12, Level.L1, Level.L2]
    l1 = findings[1]
    assert l1.anterior_height_mm == pytest.approx(wall_heights_mm(SPECS[2])[0], abs=math.sqrt(3))
    assert findings[0].posterior_height_mm == pytest.approx(25.0, abs=math.sqrt(3))


def test_detect_layout_by_label_values_and_header_names(tmp_path: Path) -> None:
    file = tmp_path / "x.nii.gz"
    assert detect_layout(file, max_label=28, header_names={}) is Layout.VERSE
    assert detect_layout(file, max_label=31, header_names={}) is Layout.TOTAL
    named = {3: "vertebrae_L1"}
    assert detect_layout(file, max_label=3, header_names=named) is Layout.TOTAL
