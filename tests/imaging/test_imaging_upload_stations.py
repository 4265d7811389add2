"""The clinic app's upload measured at the default stations (the walls), and said so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kypho.config import load_settings
from kypho.morphometry.types import DEFAULT_STATIONS, Stations
from kypho.store.measurements import (
    UploadedStudy,
    measure_upload,
    results_json,
    stored_stations,
)
from phantoms import TOTAL_IDS, normal, spine, wall_heights_mm, wall_wedge, write_nifti

# Ha 18.2, Hp 26 mm at the walls; 19.37 and 24.83 mm at the 15/85 % stations.
SPECS = [normal("T12"), wall_wedge("L1", anterior_wall_mm=18.2), normal("L2")]
DIAGONAL_MM = 3**0.5  # 1 mm voxels


@pytest.fixture(scope="module")
def upload(tmp_path_factory: pytest.TempPathFactory) -> UploadedStudy:
    path = tmp_path_factory.mktemp("upload") / "spine.nii.gz"
    write_nifti(spine(SPECS, spacing_mm=(1.0, 1.0, 1.0), label_ids=TOTAL_IDS), path)
    return UploadedStudy(filename="spine.nii.gz", data=Path(path).read_bytes())


def test_the_default_is_the_walls() -> None:
    assert DEFAULT_STATIONS is Stations.WALLS


@pytest.mark.parametrize("stations", [None, *Stations])
def test_an_upload_is_read_at_the_stations_asked_and_its_results_say_which(
    upload: UploadedStudy, stations: Stations | None
) -> None:
    at = {} if stations is None else {"stations": stations}
    doc = json.loads(results_json(measure_upload(upload, settings=load_settings(), **at)))
    used = stations or Stations.WALLS
    assert doc["stations"] == used.value
    l1 = next(lv for lv in doc["levels"] if lv["level"] == "L1")
    truth = wall_heights_mm(SPECS[1]) if used is Stations.WALLS else SPECS[1].heights_mm
    assert l1["anterior_height_mm"] == pytest.approx(truth[0], abs=DIAGONAL_MM)
    assert l1["posterior_height_mm"] == pytest.approx(truth[2], abs=DIAGONAL_MM)
    # "Add to case" measures the stored file again at the stations its results name.
    assert stored_stations(doc) is used


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ({}, Stations.TS_15_50_85),  # stored before stations were named: 15/50/85 %
        ({"stations": None}, Stations.WALLS),  # landmarks: the reader placed the points
        ({"stations": "walls"}, Stations.WALLS),
        ({"stations": "ts-15-50-85"}, Stations.TS_15_50_85),
    ],
)
def test_stored_results_name_their_stations(results: dict, expected: Stations) -> None:
    assert stored_stations(results) is expected
