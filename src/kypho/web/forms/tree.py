"""The case form's fields, read off the case-file models, so a new model field is a new input.

``case_tree()`` walks ``CaseModel.model_fields`` (and its sub-models) into three kinds
of node: a ``Leaf`` is one input, a ``Record`` is a sub-model shown as a fieldset, and
``Rows`` is a list of records shown as repeated fieldsets. Input names are the JSON
paths of the case file (``imaging[0].findings[1].level``), so an error's path is the
name of the input it belongs to.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kypho.casefile.schema import CaseModel
from kypho.casefile.types import Bounded
from kypho.web.forms.labels import label_for, words

Kind = Literal["flag", "select", "date", "number", "text", "levels", "lines", "hidden"]
# Fields that are not typed in: their one allowed value travels as a hidden input.
HIDDEN_VALUES = {"schema_version": str(CaseModel.model_fields["schema_version"].default)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Leaf:
    key: str
    label: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    bounds: Bounded | None = None
    whole: bool = False  # a whole number (step 1)

    node_type: ClassVar[str] = "leaf"

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """(value, words) of each choice of a select."""
        return tuple((value, words(value)) for value in self.choices)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    key: str
    label: str
    children: tuple[Node, ...]

    node_type: ClassVar[str] = "record"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rows:
    key: str
    label: str
    record: Record
    optional: bool  # None (unknown) and [] (recorded: none) differ

    node_type: ClassVar[str] = "rows"


Node = Leaf | Record | Rows


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without ``| None``, whether None was allowed)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """Strip ``Annotated``, collecting its metadata."""
    while typing.get_origin(annotation) is Annotated:
        args = typing.get_args(annotation)
        annotation, metadata = args[0], [*metadata, *args[1:]]
    return annotation, metadata


def _model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _leaf(key: str, base: Any, metadata: list[Any], required: bool) -> Leaf:
    bounds = next((m for m in metadata if isinstance(m, Bounded)), None)
    label = label_for(key, bounds)
    if key in HIDDEN_VALUES:
        return Leaf(key=key, label=label, kind="hidden")
    if base is bool:
        return Leaf(key=key, label=label, kind="flag", required=required)
    if base is date:
        return Leaf(key=key, label=label, kind="date", required=required)
    if isinstance(base, type) and issubclass(base, Enum):
        choices = tuple(str(member.value) for member in base)
        return Leaf(key=key, label=label, kind="select", required=required, choices=choices)
    if typing.get_origin(base) is Literal:
        choices = tuple(str(arg) for arg in typing.get_args(base))
        return Leaf(key=key, label=label, kind="select", required=required, choices=choices)
    if base in (int, float):
        whole = base is int or bool(bounds and bounds.whole)
        return Leaf(key=key, label=label, kind="number", required=required, bounds=bounds,
                    whole=whole)  # fmt: skip
    if base is str:
        return Leaf(key=key, label=label, kind="text", required=required)
    raise TypeError(f"case form: no input for field {key!r} of type {base!r}")


def _list_node(key: str, item: Any, optional: bool, required: bool) -> Node:
    item, _ = _unwrap(item, [])
    model = _model(item)
    if model is not None:
        return Rows(key=key, label=label_for(key), record=record_of(key, model), optional=optional)
    kind: Kind = "lines" if item is str else "levels"
    return Leaf(key=key, label=label_for(key), kind=kind, required=required)


def node_of(key: str, field: FieldInfo) -> Node:
    annotation, metadata = _unwrap(field.annotation, list(field.metadata))
    annotation, optional = _without_none(annotation)
    annotation, metadata = _unwrap(annotation, metadata)
    required = field.is_required()
    model = _model(annotation)
    if model is not None:
        return record_of(key, model)
    if typing.get_origin(annotation) is list:
        return _list_node(key, typing.get_args(annotation)[0], optional, required)
    return _leaf(key, annotation, metadata, required)


def record_of(key: str, model: type[BaseModel]) -> Record:
    children = tuple(node_of(name, field) for name, field in model.model_fields.items())
    return Record(key=key, label=label_for(key), children=children)


@cache
def case_tree() -> Record:
    """The whole case file as form nodes, in the models' field order."""
    return record_of("", CaseModel)


def child(record: Record, key: str) -> Node:
    return next(node for node in record.children if node.key == key)
