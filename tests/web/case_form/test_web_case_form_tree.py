"""The form's fields come from the models: a new field of any known shape is a new input."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pytest
from pydantic import BaseModel

from kypho.casefile.schema import Flag, Nrs
from kypho.casefile.types import IsoDate, LevelField
from kypho.domain import Sex
from kypho.web.forms.tree import Leaf, Record, Rows, record_of


class _Row(BaseModel):
    level: LevelField
    when: IsoDate | None = None


class _NewFields(BaseModel):
    """A model as a future case file might grow it, one field of each shape."""

    flag: Flag = None
    day: IsoDate | None = None
    sex: Sex | None = None
    pain_score: Nrs | None = None
    note: str | None = None
    levels: list[LevelField] | None = None
    lines: list[str] | None = None
    rows: list[_Row] | None = None
    rows_always: list[_Row] = []


def test_each_shape_of_field_gets_its_kind_of_input() -> None:
    record = record_of("new", _NewFields)
    kinds = {
        node.key: node.kind if isinstance(node, Leaf) else type(node).__name__
        for node in record.children
    }
    assert kinds == {"flag": "flag", "day": "date", "sex": "select", "pain_score": "number",
                     "note": "text", "levels": "levels", "lines": "lines", "rows": "Rows",
                     "rows_always": "Rows"}  # fmt: skip
    rows = record.children[7]
    assert isinstance(rows, Rows) and rows.optional
    assert isinstance(record.children[8], Rows) and not record.children[8].optional
    assert isinstance(rows.record, Record)
    level = rows.record.children[0]
    assert isinstance(level, Leaf) and level.required and "L1" in level.choices
    pain = record.children[3]
    assert isinstance(pain, Leaf) and pain.label == "Pain score (0 to 10)"


def test_a_field_of_a_shape_the_form_cannot_show_fails_loudly() -> None:
    class _Odd(BaseModel):
        when: Annotated[tuple[date, date], "a pair"] | None = None

    with pytest.raises(TypeError, match="no input for field 'when'"):
        record_of("odd", _Odd)
