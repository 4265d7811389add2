"""Pydantic model of a policy TOML file: the checked edge twin of ``kypho.rules.policy``.

Every table refuses unknown keys; roles, kinds and operators come from closed sets;
a fact test names a catalogued fact (``kypho.rules.facts.FACTS``) with an operator and
a value that fit its kind. Checks across criteria (references, cycles, roles, bands)
live in ``kypho.policyfile.checks`` and run once the file's shape is right. A fault is
a pydantic error whose context says where (``at``), what was ``expected`` and what was
``found``; ``kypho.policyfile.messages`` turns it into one line.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kypho.policyfile import checks
from kypho.rules.facts import FACTS

RoleName = Literal["require", "exclude", "review", "warn", "score", "info"]  # rules.types.Role
KindName = Literal["candidacy", "coverage", "triage"]  # rules.types.PolicyKind
OpName = Literal["<", "<=", ">", ">=", "==", "!=", "in"]  # rules.policy.OPS

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=80)]
Text = Annotated[str, StringConstraints(pattern=r"\S")]  # non-blank


def fault(at: tuple[str | int, ...], expected: str, found: str) -> PydanticCustomError:
    """A policy fault at ``at`` (relative to the model that raises it)."""
    return PydanticCustomError(
        "policy_fault",
        "expected {expected}, got {found}",
        {"at": at, "expected": expected, "found": found},
    )


def _known_fact(name: str) -> str:
    if name not in FACTS:
        close = difflib.get_close_matches(name, list(FACTS), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise fault((), f"a fact from the catalogue `kypho policies --facts`{hint}", f'"{name}"')
    return name


FactName = Annotated[
    str,
    AfterValidator(_known_fact),
    WithJsonSchema({"type": "string", "enum": sorted(FACTS)}),
]
_SCALAR = [{"type": "boolean"}, {"type": "number"}, {"type": "string"}]
AnyValue = Annotated[
    Any,
    WithJsonSchema({"anyOf": [*_SCALAR, {"type": "array", "minItems": 1, "items": {}}]}),
]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _facts_of(kind: str) -> list[str]:
    return sorted(name for name, spec in FACTS.items() if spec.kind == kind)


def _one_or_list(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "minItems": 1, "items": item}]}


def _fits_the_fact_schema(schema: dict[str, Any]) -> None:
    """Publish which operators and values fit each kind of fact, and that "in" takes a list."""
    number = {"type": "number"}
    rules = [
        ({"enum": _facts_of("bool")}, {"op": {"enum": ["==", "!="]}, "value": {"type": "boolean"}}),
        ({"enum": _facts_of("number")}, {"value": _one_or_list(number)}),
        ({"enum": _facts_of("days")}, {"value": _one_or_list({"type": "integer"})}),
        (
            {"enum": _facts_of("text")},
            {"op": {"enum": ["==", "!=", "in"]}, "value": _one_or_list({"type": "string"})},
        ),
    ]
    schema["allOf"] = [
        {"if": {"properties": {"fact": fact}}, "then": {"properties": then}} for fact, then in rules
    ] + [
        {
            "if": {"properties": {"op": {"const": "in"}}},
            "then": {"properties": {"value": {"type": "array"}}},
            "else": {"properties": {"value": {"not": {"type": "array"}}}},
        }
    ]


class CompareTest(_Table):
    """Compare one fact with a value: ``{fact, op, value}`` (``in`` takes a list)."""

    model_config = ConfigDict(json_schema_extra=_fits_the_fact_schema)

    fact: FactName
    op: OpName
    value: AnyValue

    @model_validator(mode="after")
    def _fits_the_fact(self) -> Self:
        found = checks.compare_fault(self.fact, self.op, self.value)
        if found is not None:
            raise fault(*found)
        return self


# Each criterion listed once (checks._list_fault refuses a repeat); said in the schema.
_UNIQUE: dict[str, Any] = {"uniqueItems": True}


class AllOfTest(_Table):
    """Met when every listed criterion is met."""

    all_of: list[Id] = Field(min_length=1, json_schema_extra=_UNIQUE)


class AnyOfTest(_Table):
    """Met when at least one listed criterion is met."""

    any_of: list[Id] = Field(min_length=1, json_schema_extra=_UNIQUE)


class AtLeastTest(_Table):
    """Met when at least ``at_least`` of the listed criteria are met."""

    at_least: int = Field(ge=1)
    of: list[Id] = Field(min_length=1, json_schema_extra=_UNIQUE)

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.at_least > len(self.of):
            raise fault(
                ("at_least",),
                f"a whole number from 1 to {len(self.of)} (the number of criteria in of)",
                str(self.at_least),
            )
        return self


TEST_SHAPES = (
    "exactly one of: {fact, op, value}, {all_of}, {any_of} or {at_least, of}"  # the four tests
)
_KEY_TO_TAG = {"fact": "compare", "all_of": "all_of", "any_of": "any_of", "at_least": "at_least"}
_KEY_TO_TAG["of"] = "at_least"
_MODEL_TO_TAG = {CompareTest: "compare", AllOfTest: "all_of", AnyOfTest: "any_of"}


def _test_tag(raw: Any) -> str | None:
    """Which test a table is, from its keys; None when it is none or several of them."""
    if isinstance(raw, BaseModel):
        return _MODEL_TO_TAG.get(type(raw), "at_least")
    if not isinstance(raw, dict):
        return None
    tags = {_KEY_TO_TAG[key] for key in raw if key in _KEY_TO_TAG}
    return tags.pop() if len(tags) == 1 else None


TestTable = Annotated[
    Annotated[CompareTest, Tag("compare")]
    | Annotated[AllOfTest, Tag("all_of")]
    | Annotated[AnyOfTest, Tag("any_of")]
    | Annotated[AtLeastTest, Tag("at_least")],
    Discriminator(
        _test_tag,
        custom_error_type="test_shape",
        custom_error_message=f"expected {TEST_SHAPES}",
        custom_error_context={"expected": TEST_SHAPES},
    ),
]


class CriterionTable(_Table):
    """One ``[[criterion]]``: what it checks, what it does to the decision, its sources."""

    id: Id
    text: Text
    role: RoleName = "require"
    cites: list[Text] = Field(min_length=1)
    test: TestTable
    threshold: Text | None = None
    document: Text | None = None
    redo: Text | None = None


class BandTable(_Table):
    """A score band: ``min`` to ``max`` items met, both ends inclusive."""

    label: Text
    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise fault(("max",), f"a number >= min ({self.min})", str(self.max))
        return self


class ScoreTable(_Table):
    """A triage score: the count of ``of`` criteria met, read through ``band``."""

    of: list[Id] = Field(min_length=1, json_schema_extra=_UNIQUE)
    band: list[BandTable] = Field(min_length=1)


class DecisionTextTable(_Table):
    """What to tell the reader for each decision (keys: the engine's decisions)."""

    candidate: Text | None = None
    not_candidate: Text | None = None
    needs_information: Text | None = None
    needs_review: Text | None = None


class PolicyFile(_Table):
    """A whole policy file."""

    id: Id
    title: Text
    version: Text
    source: Text
    kind: KindName
    summary: str = ""
    billing: bool = False
    decision_text: DecisionTextTable = DecisionTextTable()
    score: ScoreTable | None = None
    criterion: list[CriterionTable] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        found = checks.policy_fault(self)
        if found is not None:
            raise fault(*found)
        return self
