"""Measured levels into the case model: kyphotic deformity stays unknown under doubt."""

from __future__ import annotations

from datetime import date

import pytest

from kypho.morphometry.to_case import KYPHOTIC_WEDGE_MIN_DEG, study_from_measurement
from kypho.morphometry.types import LevelMeasurement, SpineMeasurement, VertebraMeasurement


def _finding(wedge_deg: float, doubt_deg: float | None):
    v = VertebraMeasurement(
        structure="L1",
        anterior_height_mm=20.0,
        middle_height_mm=22.0,
        posterior_height_mm=26.0,
        wedge_angle_deg=wedge_deg,
        wedge_angle_doubt_deg=doubt_deg,
    )
    spine = SpineMeasurement(levels=(LevelMeasurement(vertebra=v),), method="test")
    study = study_from_measurement(spine, study_date=date(2026, 11, 1))
    return study.findings[0]


@pytest.mark.parametrize(
    ("wedge", "doubt", "expected"),
    [
        (KYPHOTIC_WEDGE_MIN_DEG, None, True),  # at the cut-off, trusted
        (KYPHOTIC_WEDGE_MIN_DEG - 0.1, None, False),
        (KYPHOTIC_WEDGE_MIN_DEG + 4.9, 5.0, None),  # doubt reaches across the cut-off
        (KYPHOTIC_WEDGE_MIN_DEG - 4.9, 5.0, None),
        (KYPHOTIC_WEDGE_MIN_DEG + 5.1, 5.0, True),  # beyond the doubt on either side
        (KYPHOTIC_WEDGE_MIN_DEG - 5.1, 5.0, False),
    ],
)
def test_kyphotic_deformity_is_unknown_when_the_angle_doubt_spans_the_cut_off(
    wedge, doubt, expected
) -> None:
    finding = _finding(wedge, doubt)
    assert finding.kyphotic_deformity is expected
    assert finding.wedge_angle_deg == pytest.approx(wedge)


def test_height_loss_carries_its_range_into_the_case() -> None:
    v = VertebraMeasurement(
        structure="L1", anterior_height_mm=20.0, middle_height_mm=22.0, posterior_height_mm=26.0
    )
    level = LevelMeasurement(vertebra=v, height_loss_pct=23.0, height_loss_range_pct=(9.0, 37.0))
    spine = SpineMeasurement(levels=(level,), method="test")
    (finding,) = study_from_measurement(spine, study_date=date(2026, 11, 1)).findings
    assert (finding.height_loss_min_pct, finding.height_loss_pct, finding.height_loss_max_pct) == (
        9.0,
        23.0,
        37.0,
    )
    no_range = SpineMeasurement(
        levels=(LevelMeasurement(vertebra=v, height_loss_pct=23.0),), method="t"
    )
    (finding,) = study_from_measurement(no_range, study_date=date(2026, 11, 1)).findings
    assert finding.height_loss_range_pct is None  # landmarks: no doubt known, none invented
