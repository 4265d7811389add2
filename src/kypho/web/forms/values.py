"""Case file JSON <-> form values: the one conversion between the two, both ways.

Form values are a flat ``{input name: text}``; names are JSON paths
(``fractures[0].level``). Empty text is absent (unknown), never a guess: a flag left
at "unknown" stays out of the case file. A list of records left without rows is
unknown; its "none recorded" box (``fractures:none``) makes it ``[]``. A list of
levels or of lines takes the word ``none`` for ``[]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kypho.web.forms.tree import Leaf, Record, Rows, case_tree

NONE_SUFFIX = ":none"
NONE_WORD = "none"
_INT = re.compile(r"-?\d{1,20}")
_FLOAT = re.compile(r"-?\d{0,20}(\.\d{1,20})?([eE][-+]?\d{1,3})?")
_ROW_INDEX_DIGITS = 6  # row numbers above 999999 are not rows of a form


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


# ---- case file -> form


def _leaf_text(leaf: Leaf, value: Any) -> str:
    if leaf.kind == "flag":
        return "true" if value else "false"
    if leaf.kind == "levels":
        return ", ".join(value) if value else NONE_WORD
    if leaf.kind == "lines":
        return "\n".join(value) if value else NONE_WORD
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_values(
    data: Mapping[str, Any], record: Record | None = None, prefix: str = ""
) -> dict[str, str]:
    """The form's values showing the case file ``data`` (a parsed case JSON object)."""
    values: dict[str, str] = {}
    for node in (record or case_tree()).children:
        name, value = join(prefix, node.key), data.get(node.key)
        if value is None:
            continue
        if isinstance(node, Record):
            values.update(form_values(value, node, name))
        elif isinstance(node, Rows):
            if not value and node.optional:
                values[name + NONE_SUFFIX] = "on"
            for i, item in enumerate(value):
                row = item if isinstance(item, Mapping) else {node.record.children[0].key: item}
                values.update(form_values(row, node.record, f"{name}[{i}]"))
        else:
            values[name] = _leaf_text(node, value)
    return values


# ---- form -> case file


@dataclass
class Parsed:
    """A case file read off a form, with where each kept row came from."""

    data: dict[str, Any] = field(default_factory=dict)
    # input prefix of a list -> the form row number of each kept row, in order
    rows: dict[str, list[int]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # input name -> message


def number(text: str) -> Any:
    """A typed number as JSON would hold it; anything else stays text (and is refused)."""
    if _INT.fullmatch(text):
        return int(text)
    if text not in ("", "-", ".") and _FLOAT.fullmatch(text):
        value = float(text)
        return value if math.isfinite(value) else text
    return text


def _leaf_value(leaf: Leaf, text: str) -> Any:
    if leaf.kind == "flag":
        return {"true": True, "false": False}.get(text, text)
    if leaf.kind in ("number", "hidden"):
        return number(text)
    if leaf.kind == "levels":
        return (
            [] if text.lower() == NONE_WORD else [p.upper() for p in re.split(r"[,\s]+", text) if p]
        )
    if leaf.kind == "lines":
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [] if lines == [NONE_WORD] else lines
    return text


def row_numbers(values: Mapping[str, str], prefix: str) -> list[int]:
    """Row numbers the form has for the list at ``prefix`` (``fractures[3].level`` -> 3)."""
    pattern = re.compile(re.escape(prefix) + rf"\[(\d{{1,{_ROW_INDEX_DIGITS}}})\]")
    found = {int(m[1]) for name in values if (m := pattern.match(name))}
    return sorted(found)


def _rows(node: Rows, values: Mapping[str, str], name: str, parsed: Parsed) -> list[Any] | None:
    items, kept = [], []
    for i in row_numbers(values, name):
        row = _record(node.record, values, f"{name}[{i}]", parsed)
        if row:
            items.append(row)
            kept.append(i)
    parsed.rows[name] = kept
    said_none = node.optional and bool(values.get(name + NONE_SUFFIX))
    if said_none and items:
        parsed.problems[name] = 'expected rows or "none recorded", not both; clear one of them'
    if items:
        return items
    return [] if said_none else None


def _record(
    record: Record, values: Mapping[str, str], prefix: str, parsed: Parsed
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for node in record.children:
        name = join(prefix, node.key)
        value: Any
        if isinstance(node, Record):
            value = _record(node, values, name, parsed) or None
        elif isinstance(node, Rows):
            value = _rows(node, values, name, parsed)
        else:
            text = values.get(name, "").strip()
            value = _leaf_value(node, text) if text else None
        if value is not None:
            data[node.key] = value
    return data


def case_data(values: Mapping[str, str]) -> Parsed:
    """The case file JSON object the form ``values`` describe (empty inputs left out)."""
    parsed = Parsed()
    parsed.data = _record(case_tree(), values, "", parsed)
    return parsed


def input_name(parsed: Parsed, loc: tuple[str | int, ...]) -> str:
    """The input (or fieldset) name of case-file path ``loc`` in the form ``parsed`` read."""
    node: Record | Rows | Leaf = case_tree()
    name = ""
    for part in loc:
        if isinstance(node, Rows) and isinstance(part, int):
            kept = parsed.rows.get(name, [])
            name, node = f"{name}[{kept[part] if part < len(kept) else part}]", node.record
        elif isinstance(node, Record) and isinstance(part, str):
            found = next((n for n in node.children if n.key == part), None)
            if found is None:
                break
            name, node = join(name, part), found
        else:
            break  # an item of a list typed in one input: the error belongs to that input
    return name
