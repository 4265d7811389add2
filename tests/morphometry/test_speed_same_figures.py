"""The faster measurement (issue 13) gives the figures the code before it gave.

Expected values are literals printed by the code before the speed-up (commit b82820c,
``measure_vertebra`` on these phantoms), not computed by the code under test: heights,
wedge angles, volumes and retropulsion must stay within ``SAME_MM`` / ``SAME_DEG`` of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from kypho.morphometry.body import measure_vertebra
from kypho.morphometry.types import Stations
from kypho.morphometry.voxels import LabelIndex, VolumeGeometry, vertebra_voxels
from phantoms import biconcave, crush, normal, spine, wedge

# Far below a height's own doubt (a sampling step, 0.5 mm or more): the speed-up may
# move only the last float digits. PROJECT CONVENTION (brief of issue 13).
SAME_MM = 1e-6
SAME_DEG = 1e-6
SAME_ML = 1e-9
SPECS = [
    normal("T12", 25.0),
    wedge("L1", anterior_height_mm=15.0, posterior_height_mm=26.0),
    normal("L2", 27.0),
    biconcave("L3", middle_height_mm=18.0, height_mm=28.0),
    normal("L4", 28.0),
    crush("L5", height_mm=15.0),
    normal("S1", 28.0),
]
# (level, stations, anterior, middle, posterior height mm, wedge deg, volume ml,
# retropulsion mm), from the code before the speed-up.
TILTED = [  # 1.0 x 0.7 x 1.2 mm, sagittal tilts -20..10 deg, coronal 10 deg
    (
        "T12",
        Stations.WALLS,
        25.004738462413982,
        24.91140641696584,
        24.969592416305087,
        -0.0564206223306476,
        28.70616,
        0.1332386363608613,
    ),
    (
        "T12",
        Stations.TS_15_50_85,
        25.03464509785398,
        24.91140641696584,
        24.993882079086127,
        -0.0564206223306476,
        28.70616,
        0.1332386363608613,
    ),
    (
        "L1",
        Stations.WALLS,
        12.345868641147746,
        20.48743395945513,
        28.567799386187072,
        27.603431437365064,
        23.857680000000002,
        0.14634978451563718,
    ),
    (
        "L1",
        Stations.TS_15_50_85,
        14.748637722909804,
        20.48743395945513,
        26.10848038792148,
        27.603431437365064,
        23.857680000000002,
        0.14634978451563718,
    ),
    (
        "L2",
        Stations.WALLS,
        26.927129765788095,
        26.91802178232406,
        27.000970963707893,
        -0.019384265606919762,
        30.854039999999998,
        0.16732354232341073,
    ),
    (
        "L2",
        Stations.TS_15_50_85,
        27.00958529282262,
        26.91802178232406,
        27.01719626875449,
        -0.019384265606919762,
        30.854039999999998,
        0.16732354232341073,
    ),
    (
        "L3",
        Stations.WALLS,
        28.02314734247015,
        18.108756732654406,
        27.967314347458505,
        -0.09820189967315651,
        27.235319999999998,
        0.1687887925429532,
    ),
    (
        "L3",
        Stations.TS_15_50_85,
        27.92504571728941,
        18.10592292883349,
        27.866183078249062,
        -0.14785731711714728,
        27.235319999999998,
        0.16308636392020937,
    ),
    (
        "L4",
        Stations.WALLS,
        27.895066453975918,
        27.895058700147565,
        27.908075244384253,
        -2.759350769999934e-05,
        32.072039999999994,
        7.080602696163396e-06,
    ),
    (
        "L4",
        Stations.TS_15_50_85,
        27.896854414474866,
        27.895058700147565,
        27.88524765283935,
        -2.759350769999934e-05,
        32.072039999999994,
        7.080602696163396e-06,
    ),
    (
        "L5",
        Stations.WALLS,
        14.979798654453404,
        14.812022160232951,
        14.967464147826854,
        0.06520873561912754,
        17.15868,
        0.33854174601872167,
    ),
    (
        "L5",
        Stations.TS_15_50_85,
        14.964281906756634,
        14.812022160232951,
        15.046551175648585,
        0.06520873561912754,
        17.15868,
        0.33854174601872167,
    ),
    (
        "S1",
        Stations.WALLS,
        27.993055975017338,
        27.82003843269545,
        27.918905167293893,
        0.06338132783779767,
        32.01744,
        0.24726362908477917,
    ),
    (
        "S1",
        Stations.TS_15_50_85,
        27.961736146611425,
        27.82003843269545,
        27.989204421129273,
        0.06338132783779767,
        32.01744,
        0.24726362908477917,
    ),
]
THICK = [  # 1.0 x 1.0 x 2.5 mm, sagittal tilts -3..9 deg, coronal 5 deg
    (
        "T12",
        Stations.WALLS,
        24.62948450977177,
        25.072489358518,
        24.983716729734095,
        -2.128989623775876,
        28.6275,
        0.0,
    ),
    (
        "T12",
        Stations.TS_15_50_85,
        24.957376603842885,
        25.072489358518,
        25.06880408881801,
        -2.128989623775876,
        28.6275,
        0.0,
    ),
    (
        "L1",
        Stations.WALLS,
        13.32344758305866,
        20.102406071890826,
        28.330261683790678,
        27.462778307110774,
        23.685,
        0.0007342212854428709,
    ),
    (
        "L1",
        Stations.TS_15_50_85,
        15.170252460998494,
        20.102406071890826,
        26.230108696464555,
        27.462778307110774,
        23.685,
        0.0007342212854428709,
    ),
    (
        "L2",
        Stations.WALLS,
        25.93808036531283,
        25.289838505458388,
        26.486532597189225,
        -0.062247608086601125,
        30.9525,
        0.0,
    ),
    (
        "L2",
        Stations.TS_15_50_85,
        25.74405504140118,
        25.289838505458388,
        26.14465367288945,
        -0.062247608086601125,
        30.9525,
        0.0,
    ),
    (
        "L3",
        Stations.WALLS,
        27.740311989130195,
        18.61234673240124,
        27.635167316670575,
        -0.18283935187544223,
        27.4025,
        0.13265693807648837,
    ),
    (
        "L3",
        Stations.TS_15_50_85,
        27.711886266173078,
        19.08059502603255,
        27.779326088779214,
        0.16730396321138577,
        27.62,
        0.13104593438057144,
    ),
    (
        "L4",
        Stations.WALLS,
        28.665917040818226,
        27.69050959772665,
        28.893755405599133,
        -0.8658287219120113,
        32.335,
        0.1485317199301477,
    ),
    (
        "L4",
        Stations.TS_15_50_85,
        28.008402366807875,
        27.69050959772665,
        28.95285840977262,
        -0.8658287219120113,
        32.335,
        0.1485317199301477,
    ),
    (
        "L5",
        Stations.WALLS,
        15.25146628170445,
        15.255210568920347,
        14.772830411739488,
        0.08095061662392193,
        17.21,
        0.4960752589805608,
    ),
    (
        "L5",
        Stations.TS_15_50_85,
        14.90490387635436,
        15.255210568920347,
        14.643981699187458,
        0.08095061662392193,
        17.21,
        0.4960752589805608,
    ),
    (
        "S1",
        Stations.WALLS,
        27.947255033319866,
        27.94126072777601,
        27.79239116077284,
        0.047823494984383624,
        31.9375,
        0.6840086333163278,
    ),
    (
        "S1",
        Stations.TS_15_50_85,
        28.019369946856116,
        27.94126072777601,
        28.196319982215154,
        0.047823494984383624,
        31.9375,
        0.6840086333163278,
    ),
]
CASES = [
    ((1.0, 0.7, 1.2), [-20, -15, -10, -5, 0, 5, 10], 10.0, TILTED),
    ((1.0, 1.0, 2.5), [-3, -1, 1, 3, 5, 7, 9], 5.0, THICK),
]


@pytest.mark.parametrize(("spacing", "tilts", "coronal", "expected"), CASES)
def test_figures_match_the_code_before_the_speed_up(spacing, tilts, coronal, expected) -> None:
    ph = spine(SPECS, spacing_mm=spacing, tilts_deg=tilts, coronal_deg=coronal)
    geo = VolumeGeometry(affine=ph.affine, shape=ph.labels.shape)
    voxels = {v.structure: v for v in vertebra_voxels(ph.labels, ph.names)}
    for level, stations, ha, hm, hp, wedge_deg, volume_ml, retro_mm in expected:
        got = measure_vertebra(voxels[level], geo, stations=stations)
        where = (spacing, level, stations)
        assert got.heights_mm == pytest.approx((ha, hm, hp), abs=SAME_MM), where
        assert got.wedge_angle_deg == pytest.approx(wedge_deg, abs=SAME_DEG), where
        assert got.volume_ml == pytest.approx(volume_ml, abs=SAME_ML), where
        assert got.retropulsion_mm == pytest.approx(retro_mm, abs=SAME_MM), where


@pytest.mark.parametrize("order", ["C", "F"])
def test_label_index_finds_each_labels_voxels_in_a_sparse_volume(order: str) -> None:
    # Labels in a few far-apart places (the footprint of each slab is searched only).
    labels = np.zeros((70, 90, 40), dtype=np.uint8, order=order)
    labels[3:9, 80:85, 1:4] = 7
    labels[60:62, 2:4, 30:38] = 7
    labels[30, 45, 20] = 9
    labels[0, 0, 0] = 250
    index = LabelIndex(labels, wanted=[7, 9, 250, 11])
    assert index.present == (7, 9, 250)
    for label in (7, 9, 250):
        found = index.voxels(label, "X")
        assert found is not None
        got = sorted(map(tuple, found.indices.tolist()))
        assert got == sorted(map(tuple, np.argwhere(labels == label).tolist())), label
    assert index.voxels(11, "X") is None
