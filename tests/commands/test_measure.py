"""``kypho measure`` through the real entry point, on phantom NIfTI files with known heights."""

from __future__ import annotations

import gzip
import json
import math
import re
import shutil
import struct
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import matplotlib.image
import nibabel as nib
import numpy as np
import pytest

from kypho.casefile import load_case
from kypho.cli import main
from kypho.domain.levels import Level
from kypho.morphometry.compare import MIN_CHANGE_MM
from kypho.rules import CriterionResult, Outcome, assess, load_policy
from phantoms import (
    TOTAL_IDS,
    VertebraSpec,
    normal,
    spine,
    wall_heights_mm,
    wall_wedge,
    write_nifti,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
SPACING_MM = (1.0, 1.0, 1.0)
DIAGONAL_MM = math.hypot(*SPACING_MM)  # a binary mask places a surface within one voxel
SPECS = [
    normal("T12", 25.0),
    # Heights at the walls (the default stations): Ha 15, Hp 26 mm at the walls.
    wall_wedge("L1", anterior_wall_mm=15.0, posterior_wall_mm=26.0),
    normal("L2", 27.0),
]
LEVEL_KEYS = {
    "level",
    "anterior_height_mm",
    "middle_height_mm",
    "posterior_height_mm",
    "height_loss_pct",
    "genant_grade",
    "morphology",
    "wedge_angle_deg",
    "volume_ml",
    "quality",
}


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, specs: list[VertebraSpec], **kw: object) -> Path:
    write_nifti(spine(specs, spacing_mm=SPACING_MM, label_ids=TOTAL_IDS, **kw), path)
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("measure") / "spine.nii.gz", SPECS)


def test_json_levels_carry_heights_grade_and_quality(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "measure", study, "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["layout"] == "total"
    assert doc["disclaimer"].startswith("Decision support only")
    by_level = {lv["level"]: lv for lv in doc["levels"]}
    assert list(by_level) == ["T12", "L1", "L2"]
    assert all(set(lv) >= LEVEL_KEYS for lv in doc["levels"])
    for spec in SPECS:
        got = by_level[spec.structure]
        keys = ("anterior", "middle", "posterior")
        for key, truth in zip(keys, wall_heights_mm(spec), strict=True):
            assert got[f"{key}_height_mm"] == pytest.approx(truth, abs=DIAGONAL_MM)
        assert got["wedge_angle_deg"] == pytest.approx(spec.wedge_angle_deg, abs=3.0)
        assert got["height_doubt_mm"] == 1.0  # one 1 mm step
    assert by_level["T12"]["quality"] == by_level["L2"]["quality"] == "good"
    l1 = by_level["L1"]
    # Truth at the walls: anterior 15 mm against the neighbours' mean 26 mm: 42.3 % loss, grade 3
    # wedge. At 1 mm sampling its range reaches below 40 %, so the grade is flagged 2-3
    # and the level is limited.
    truth = 100 * (1 - 15 / 26)
    assert l1["height_loss_pct"] == pytest.approx(truth, abs=4.0)
    lo, hi = l1["height_loss_range_pct"]
    assert lo <= truth <= hi and lo < 40 < hi
    assert (l1["genant_grade"], l1["genant_grade_range"], l1["morphology"]) == (3, [2, 3], "wedge")
    assert l1["quality"] == "limited"
    assert any(r.startswith("grade uncertain: 2 to 3") for r in l1["quality_reasons"])
    assert by_level["L2"]["genant_grade"] == 0
    assert by_level["L2"]["genant_grade_range"] == [0, 0]
    assert (l1["reference_method"], l1["reference_from"]) == (
        "adjacent levels",
        "neighbours T12, L2",
    )
    # T12 is at the edge of this spine: its only intact neighbour is L2.
    assert by_level["T12"]["reference_from"] == "neighbours L2"


def test_text_table_has_one_row_per_level(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "measure", study)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["level", "Ha", "mm", "Hm"]
    rows = {line.split()[0]: line.split() for line in lines[1:-2]}
    assert set(rows) == {"T12", "L1", "L2"}
    # loss (range), grade (range), type: the range is shown where the grade is uncertain
    assert re.fullmatch(r"\((3\d)-(4\d)\)", rows["L1"][5])
    assert rows["L1"][6:10] == ["3", "(2-3)", "wedge", "T12+L2"]
    assert rows["L2"][5:8] == ["0", "none", "T12"]  # L1 is fractured: the next intact above
    assert "the physician decides" in lines[-1]


def test_cobb_between_two_levels_in_json_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ph = spine(SPECS, spacing_mm=SPACING_MM, label_ids=TOTAL_IDS, tilts_deg=[-9.0, 0.0, 9.0])
    study = tmp_path / "curved.nii.gz"
    write_nifti(ph, study)
    code, out, err = run(capsys, "measure", study, "--format", "json", "--cobb", "T12:L2")
    assert (code, err) == (0, "")
    (cobb,) = json.loads(out)["cobb"]
    truth = ph.cobb_deg("T12", "L2")
    assert abs(truth) > 10  # a real curve, not a level stack
    assert cobb["cobb_angle_deg"] == pytest.approx(truth, abs=3.0)
    assert (cobb["from_endplates"], cobb["cobb_angle_doubt_deg"]) == ("endplate planes", None)
    code, out, _ = run(capsys, "measure", study, "--cobb", "T12:L2")
    assert "Cobb T12-L2: " in out and "from endplate planes" in out
    code, _, err = run(capsys, "measure", study, "--cobb", "T12:L5")
    assert code == 2 and "cobb T12:L5: expected two measured levels" in err
    assert "found measured levels T12, L1, L2" in err


def test_image_writes_a_png_that_reads_back(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "sagittal.png"
    code, out, err = run(capsys, "measure", study, "--image", png)
    assert (code, err) == (0, "")
    assert out.startswith("level")  # the table is printed as well
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[:2] == (1000, 600)  # figsize (6, 10) at 100 dpi
    assert pixels[..., :3].std() > 0  # something was drawn
    assert [p.name for p in tmp_path.iterdir()] == ["sagittal.png"]  # no temporary left


def test_outputs_in_a_missing_folder_exit_2_and_nothing_is_written(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    new, png = tmp_path / "new.json", tmp_path / "missing" / "sagittal.png"
    args = ("--into-case", base, "--study-date", "2026-11-20", "--out", new, "--image", png)
    code, out, err = run(capsys, "measure", study, *args)
    assert (code, out) == (2, "")
    assert f"--image {png}: expected an existing folder, '{png.parent}' does not exist" in err
    assert list(tmp_path.iterdir()) == []  # the case was not written either


def _nifti(path: Path, data: np.ndarray) -> Path:
    nib.save(nib.Nifti1Image(data, np.eye(4)), path)
    return path


def _cube() -> np.ndarray:
    data = np.zeros((8, 8, 8), np.uint8)
    data[2:6, 2:6, 2:6] = TOTAL_IDS["L1"]
    return data


def _patched_spacing(path: Path, value: float) -> Path:
    """pixdim[1] and srow_x[0] (byte offsets 80 and 280 of a NIfTI-1 header) set to value."""
    _nifti(path, _cube())
    raw = bytearray(path.read_bytes())
    raw[80:84] = raw[280:284] = struct.pack("<f", value)
    path.write_bytes(bytes(raw))
    return path


def _truncated(path: Path) -> Path:
    blob = gzip.compress(_nifti(path.with_suffix(".full.nii"), np.ones((40, 40, 40))).read_bytes())
    path.write_bytes(blob[: len(blob) // 2])
    return path


BAD_INPUTS = {
    "not NIfTI": (lambda p: (p.write_text("not an image"), p)[1], "expected a NIfTI"),
    "truncated gzip": (_truncated, "truncated"),
    "2-D": (lambda p: _nifti(p, np.zeros((4, 4), np.uint8)), "3-D"),
    "4-D": (lambda p: _nifti(p, np.zeros((4, 4, 4, 2), np.uint8)), "3-D"),
    "non-integer labels": (
        lambda p: _nifti(p, np.full((4, 4, 4), 1.5, np.float32)),
        "whole-number",
    ),
    "empty mask": (lambda p: _nifti(p, np.zeros((4, 4, 4), np.uint8)), "empty"),
    "zero spacing": (lambda p: _patched_spacing(p, 0.0), "spacing > 0 mm"),
    "NaN spacing": (lambda p: _patched_spacing(p, math.nan), "spacing > 0 mm"),
    "negative spacing": (lambda p: _patched_spacing(p, -1.0), "spacing > 0 mm"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_naming_the_file(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, needle = BAD_INPUTS[case]
    suffix = ".nii.gz" if case == "truncated gzip" else ".nii"
    path = make(tmp_path / f"bad{suffix}")
    code, out, err = run(capsys, "measure", path)
    assert code == 2, err
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and needle in err
    assert "Traceback" not in err


def test_header_larger_than_max_voxels_exits_2_before_reading(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "measure", study, "--max-voxels", 1000)
    assert code == 2
    assert len(err.splitlines()) == 1 and str(study) in err and "above the limit" in err


@pytest.mark.parametrize(
    ("variable", "needle"),
    [("KYPHO_MAX_IMAGE_VOXELS", "voxels"), ("KYPHO_MAX_IMAGE_FILE_BYTES", "bytes")],
)
def test_input_limits_come_from_the_settings(
    study: Path, capsys: pytest.CaptureFixture[str], monkeypatch, variable: str, needle: str
) -> None:
    monkeypatch.setenv(variable, "1000")
    code, out, err = run(capsys, "measure", study)
    assert (code, out) == (2, "")
    assert str(study) in err and f"{needle}" in err and "above the limit of 1,000" in err
    monkeypatch.setenv(variable, "100000000")
    assert run(capsys, "measure", study)[0] == 0


def test_compare_flags_progression_only_where_a_level_lost_height(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Later study: L1 anterior 15 -> 9 mm (a 6 mm fall, above the 4.5 mm threshold); L2
    # 27 -> 25 mm everywhere (2 mm, below it: within measurement error, no flag).
    later_specs = [
        SPECS[0],
        wall_wedge("L1", anterior_wall_mm=9.0, posterior_wall_mm=26.0),
        normal("L2", 25.0),
    ]
    later = _write(tmp_path / "later.nii.gz", later_specs)
    code, out, err = run(capsys, "measure", "--compare", study, later, "--format", "json")
    assert (code, err) == (0, "")
    rows = {r["level"]: r for r in json.loads(out)["levels"]}
    assert rows["L1"]["anterior_change_mm"] == pytest.approx(-6.0, abs=DIAGONAL_MM)
    assert rows["L1"]["anterior_change_pct"] == pytest.approx(-40.0, abs=100 * DIAGONAL_MM / 15)
    assert rows["L1"]["threshold_mm"] == pytest.approx(MIN_CHANGE_MM)
    assert rows["L2"]["middle_change_mm"] == pytest.approx(-2.0, abs=DIAGONAL_MM)
    assert {k: r["progression"] for k, r in rows.items()} == {
        "T12": False,
        "L1": True,
        "L2": False,
    }
    code, text, _ = run(capsys, "measure", "--compare", study, later)
    assert code == 0
    assert "progression=True" in next(line for line in text.splitlines() if line[:2] == "L1")


def test_into_case_round_trips_and_assess_cites_the_measured_study(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "case.json"
    shutil.copy(EXAMPLES / "01-acute-l1-worsening-candidate.json", base)
    new = tmp_path / "new.json"
    args = ("--into-case", base, "--study-date", "2026-11-20", "--study-id", "CT-9", "--out", new)
    code, _, err = run(capsys, "measure", study, *args)
    assert (code, err) == (0, "")
    before, after = load_case(base), load_case(new)
    assert after.imaging[:-1] == before.imaging
    ct = after.imaging[-1]
    assert (ct.study_id, ct.study_date) == ("CT-9", date(2026, 11, 20))
    l1 = next(f for f in ct.findings if f.level is Level.L1)
    assert l1.anterior_height_mm == pytest.approx(15.0, abs=DIAGONAL_MM)
    assert l1.kyphotic_deformity is True  # wedge ~19 deg >= 15 deg
    assert "kypho measure" in (l1.source or "") and "CT-9" in (l1.source or "")

    result = assess(after, load_policy("medicare-l34106"), on=date(2026, 11, 21))
    criteria = [c for lv in result.levels if lv.level is Level.L1 for c in lv.criteria]
    loss = next(c for c in _walk(criteria) if c.id == "height-loss-over-25")
    lo, hi = l1.height_loss_range_pct or (0, 0)
    assert lo < l1.height_loss_pct < hi  # carried into the case from the measurement
    shown = f"{l1.height_loss_pct:.1f} % (measured range {lo:.1f}-{hi:.1f} %)"
    assert f"{shown} on CT 2026-11-20 (study CT-9)" in loss.observed
    assert loss.outcome is Outcome.MET  # 25 % lies below the whole range
    assert "kypho measure 0.1 on study CT-9: mask, endplate-normal frame" in loss.observed


def _walk(criteria: Iterable[CriterionResult]) -> Iterator[CriterionResult]:
    for c in criteria:
        yield c
        yield from _walk(c.children)


def test_into_case_refuses_a_study_id_already_in_the_case(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    known = next(s.study_id for s in load_case(base).imaging if s.study_id)
    new = tmp_path / "new.json"
    args = ("--into-case", base, "--study-date", "2026-11-20", "--study-id", known, "--out", new)
    code, _, err = run(capsys, "measure", study, *args)
    assert code == 2 and f"found {known!r} there" in err
    assert not new.exists()


def test_into_case_needs_a_study_date_and_an_out_path(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    code, _, err = run(capsys, "measure", study, "--into-case", base, "--out", tmp_path / "x")
    assert code == 2 and "--study-date" in err
    code, _, err = run(capsys, "measure", study, "--into-case", base, "--study-date", "2026-11-20")
    assert code == 2 and "--out" in err
