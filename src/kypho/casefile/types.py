"""Field types of the case file: each checks its own value and says what it expected.

The checks run before pydantic's own, so every message names the allowed range
or values; the ``Field`` bounds only feed the published JSON Schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from kypho.domain import LEVELS, Level
from kypho.domain.calendar_dates import calendar_date

LEVEL_CHOICES = "C1-C7, T1-T12, L1-L5, S1"


def _check_level(value: Any) -> Any:
    if isinstance(value, Level) or (isinstance(value, str) and value in Level.__members__):
        return Level(value)
    raise PydanticCustomError("level", f"expected a vertebral level, one of {LEVEL_CHOICES}")


def _check_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return calendar_date(value)
        except ValueError:
            pass
    raise PydanticCustomError("date", "expected a real calendar date written YYYY-MM-DD")


LevelField = Annotated[
    Level,
    BeforeValidator(_check_level),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [str(level) for level in LEVELS],
            "description": f"Vertebral level: {LEVEL_CHOICES}.",
        }
    ),
]
IsoDate = Annotated[date, BeforeValidator(_check_date)]

CASE_FILE_VERSION = 1


def _check_schema_version(value: Any) -> Any:
    whole = isinstance(value, int | float) and not isinstance(value, bool)
    if whole and value == CASE_FILE_VERSION:
        return CASE_FILE_VERSION
    raise PydanticCustomError(
        "schema_version",
        f"expected {CASE_FILE_VERSION}, the only case-file version this kypho reads",
    )


SchemaVersion = Annotated[
    int,
    BeforeValidator(_check_schema_version),
    WithJsonSchema({"const": CASE_FILE_VERSION, "type": "integer"}),
]


@dataclass(frozen=True, slots=True)
class Bounded:
    """Annotation bounding a number to [lo, hi]; ``lo_open`` excludes lo itself.

    ``whole`` numbers must have no fractional part (JSON ``20.0`` counts as 20).
    Use as ``Annotated[float, Bounded(0, 10)]``.
    """

    lo: float
    hi: float | None = None
    unit: str = ""
    lo_open: bool = False
    whole: bool = False

    @property
    def expected(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        unit = f" {self.unit}" if self.unit else ""
        if self.hi is None:
            return f"{kind} {'>' if self.lo_open else '>='} {self.lo:g}{unit}"
        if self.lo_open:
            return f"{kind} above {self.lo:g} and up to {self.hi:g}{unit}"
        return f"{kind} from {self.lo:g} to {self.hi:g}{unit}"

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False  # ints are never tested as floats: a 400-digit one overflows
        if self.whole and value != int(value):
            return False
        above_lo = value > self.lo if self.lo_open else value >= self.lo
        return above_lo and (self.hi is None or value <= self.hi)

    def _check(self, value: Any) -> Any:
        if not self.accepts(value):
            raise PydanticCustomError("range", "expected {expected}", {"expected": self.expected})
        return int(value) if self.whole else value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["exclusiveMinimum" if self.lo_open else "minimum"] = self.lo
        if self.hi is not None:
            json_schema["maximum"] = self.hi
        return json_schema
