"""Heights at the walls (six-point) and at TotalSegmentator's 15/50/85 % stations."""

from __future__ import annotations

import math

import pytest

from kypho.errors import InvalidInput
from kypho.morphometry.levels import measure_levels
from kypho.morphometry.report import spine_dict
from kypho.morphometry.types import Stations
from kypho.morphometry.voxels import VolumeGeometry, vertebra_voxels
from kypho.workflows.measure import measure_labels, parse_stations
from phantoms import normal, spine, wall_heights_mm, wall_wedge

# By hand: walls Ha 18.2, Hp 26 mm: 1 - 18.2 / 26 = 30.0 % against 26 mm neighbours.
# At 15/85 %: Ha = 26 - 0.85 * 7.8 = 19.37 mm, loss 1 - 19.37 / 26 = 25.5 %.
WEDGE = wall_wedge("L1", anterior_wall_mm=18.2, posterior_wall_mm=26.0)
SPECS = [normal("T12", 26.0), WEDGE, normal("L2", 26.0)]


def _measure(ph, stations):
    geometry = VolumeGeometry(affine=ph.affine, shape=ph.labels.shape)
    pairs = [(v, geometry) for v in vertebra_voxels(ph.labels, ph.names)]
    return measure_levels(pairs, layout="t", stations=stations, max_slice_thickness_mm=3.0)


@pytest.mark.parametrize(
    ("spacing", "tilt"), [((1.0, 1.0, 1.0), 0.0), ((1.0, 0.7, 1.2), 12.0), ((3.0,) * 3, 5.0)]
)
@pytest.mark.parametrize("stations", list(Stations))
def test_heights_within_one_step_of_the_truth_at_either_stations(spacing, tilt, stations):
    ph = spine(SPECS, spacing_mm=spacing, tilts_deg=[tilt] * 3)
    result = _measure(ph, stations)
    assert result.stations is stations
    for spec in SPECS:
        v = result.get(spec.structure).vertebra
        truth = wall_heights_mm(spec) if stations is Stations.WALLS else spec.heights_mm
        for got, want in zip(v.heights_mm, truth, strict=True):
            # One voxel diagonal, as tests/morphometry/test_body.py's fixed cases: a
            # surface exactly on voxel centres may fall either side.
            assert got == pytest.approx(want, abs=math.hypot(*spacing))


@pytest.mark.parametrize(("stations", "truth_pct"), [(Stations.WALLS, 30.0), ("ts", 25.5)])
def test_a_30_pct_wedge_at_the_walls_reads_25_at_the_stations(stations, truth_pct) -> None:
    at = Stations.TS_15_50_85 if stations == "ts" else stations
    lv = _measure(spine(SPECS, spacing_mm=(1.0, 1.0, 1.0)), at).get("L1")
    lo, hi = lv.height_loss_range_pct
    assert lo <= truth_pct <= hi
    assert lv.genant_grade == 2  # 25-40 %: the stations sit right at the boundary


def test_the_json_and_the_method_say_which_stations() -> None:
    ph = spine(SPECS, spacing_mm=(1.5, 1.5, 1.5))
    for stations in Stations:
        measured = measure_labels(ph.labels, affine=ph.affine, layout="verse", stations=stations)
        doc = spine_dict(measured)
        assert doc["stations"] == stations.value
        assert ("walls" in doc["method"]) is (stations is Stations.WALLS)
        assert ("15/50/85" in doc["method"]) is (stations is Stations.TS_15_50_85)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("walls", Stations.WALLS), (" TS-15-50-85", Stations.TS_15_50_85), ("15/50/85", None)],
)
def test_stations_are_parsed_or_refused_naming_the_option(text, expected) -> None:
    if expected is None:
        with pytest.raises(InvalidInput, match="--stations: expected one of walls, ts-15-50-85"):
            parse_stations(text)
    else:
        assert parse_stations(text) is expected
