"""``kypho measure --stations`` and ``--image`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kypho.cli import main
from phantoms import TOTAL_IDS, normal, spine, wall_heights_mm, wall_wedge, write_nifti

SPECS = [normal("T12"), wall_wedge("L1", anterior_wall_mm=18.2), normal("L2")]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stations") / "spine.nii.gz"
    write_nifti(spine(SPECS, spacing_mm=(1.0, 1.0, 1.0), label_ids=TOTAL_IDS), path)
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: object) -> dict:
    assert main(["measure", *map(str, args), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


@pytest.mark.parametrize(
    ("given", "stations"),
    [
        (["--stations", "walls"], "walls"),
        ([], "walls"),  # the default: kypho.morphometry.types.DEFAULT_STATIONS
        (["--stations", "ts-15-50-85"], "ts-15-50-85"),
    ],  # fmt: skip
)
def test_json_says_which_stations_and_heights_follow_them(study, capsys, given, stations):
    doc = _json(capsys, study, *given)
    assert doc["stations"] == stations
    l1 = next(lv for lv in doc["levels"] if lv["level"] == "L1")
    truth = wall_heights_mm(SPECS[1]) if stations == "walls" else SPECS[1].heights_mm
    assert l1["anterior_height_mm"] == pytest.approx(truth[0], abs=3**0.5)
    assert l1["posterior_height_mm"] == pytest.approx(truth[2], abs=3**0.5)


def test_unknown_stations_exit_2_with_one_line(study, capsys) -> None:
    assert main(["measure", str(study), "--stations", "15/50/85"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().count("\n") == 0
    assert "--stations: expected one of walls, ts-15-50-85, found '15/50/85'" in err


def test_image_says_what_it_wrote(study, tmp_path, capsys) -> None:
    png = tmp_path / "picture.png"
    doc = _json(capsys, study, "--image", png, "--stations", "walls")
    assert doc["image"] == {
        "path": str(png),
        "shows": "mid-sagittal picture of 3 levels (T12-L2), the mask, heights at walls; "
        "zoomed views of 3 graded levels",
    }
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["measure", str(study), "--image", str(png), "--stations", "walls"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == f"--image: wrote {png}: {doc['image']['shows']}"
