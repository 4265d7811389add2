"""``Bounded`` numbers: the range text and the edges, open and closed."""

from __future__ import annotations

import pytest

from kypho.casefile.types import Bounded


@pytest.mark.parametrize(
    ("bounded", "expected"),
    [
        (Bounded(0, 10), "a number from 0 to 10"),
        (Bounded(0, 24, whole=True), "a whole number from 0 to 24"),
        (Bounded(0, 100, unit="mm", lo_open=True), "a number above 0 and up to 100 mm"),
        (Bounded(0, lo_open=True), "a number > 0"),
        (Bounded(1), "a number >= 1"),
    ],
)
def test_expected_text(bounded: Bounded, expected: str) -> None:
    assert bounded.expected == expected


@pytest.mark.parametrize(
    ("bounded", "value", "accepted"),
    [
        (Bounded(0, 10), 0, True),
        (Bounded(0, 10), 10.0, True),
        (Bounded(0, 10), 10.000001, False),
        (Bounded(0, 10), -0.1, False),
        (Bounded(0, 10), True, False),
        (Bounded(0, 10), "5", False),
        (Bounded(0, 10), float("nan"), False),
        (Bounded(0, lo_open=True), 0, False),
        (Bounded(0, lo_open=True), 1e-9, True),
        (Bounded(0, lo_open=True), float("inf"), False),
        (Bounded(0, 24, whole=True), 24.0, True),
        (Bounded(0, 24, whole=True), 23.5, False),
    ],
)
def test_accepts(bounded: Bounded, value: object, accepted: bool) -> None:
    assert bounded.accepts(value) is accepted
