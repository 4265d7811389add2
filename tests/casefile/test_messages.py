"""Building the one-line refusal from validation and domain errors."""

from __future__ import annotations

import pytest

from kypho.casefile.messages import field_path, from_domain_error, show_value
from kypho.errors import InvalidInput


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        ((), ""),
        (("case_id",), "case_id"),
        (("pain", 2, "score"), "pain[2].score"),
        (("a", 0, 1, "b"), "a[0][1].b"),
    ],
)
def test_field_path(loc: tuple[str | int, ...], path: str) -> None:
    assert field_path(loc) == path


def test_show_value_spells_json_and_shortens() -> None:
    assert show_value(True) == "true"
    assert show_value(None) == "null"
    assert show_value(12.5) == "12.5"
    long = show_value("x" * 200)
    assert len(long) == 60 and long.endswith("...")


def test_domain_error_gains_the_file_name() -> None:
    err = from_domain_error(
        InvalidInput("fractures: expected one entry per level, got T12 twice"), source="case.json"
    )

    assert str(err) == "case.json: fractures: expected one entry per level, got T12 twice"
    assert (err.field, err.source) == ("fractures", "case.json")
