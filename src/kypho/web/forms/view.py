"""What the case form template needs beyond the values: ids, row numbers, row names."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kypho.web.forms.paths import path_parts
from kypho.web.forms.tree import Leaf, Record, Rows, case_tree
from kypho.web.forms.values import join, row_numbers

BLANK_ROWS = 1  # empty rows offered under each list
MORE_ROWS = 2  # rows a "more rows" button adds
ROW_NAMES = {
    "fractures": "Fracture",
    "imaging": "Study",
    "findings": "Finding",
    "pain": "Pain score",
    "function": "Function score",
    "conservative_care": "Treatment",
    "follow_up": "Visit",
}


def input_id(name: str) -> str:
    """An HTML id for input ``name``: ``fractures[0].level`` -> ``f-fractures-0-level``."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


def row_name(key: str) -> str:
    return ROW_NAMES.get(key, key.replace("_", " ").capitalize())


def _blank(values: Mapping[str, str], row: str) -> bool:
    return not any(text.strip() for name, text in values.items() if name.startswith(row + "."))


def rows_to_show(values: Mapping[str, str], name: str, *, more: str = "") -> list[int]:
    """The row numbers to show for list ``name``: its rows, then enough empty ones.

    The rows keep the numbers they were typed under, so a message about row 3 sits
    beside row 3 even when an empty row came before it.
    """
    shown = row_numbers(values, name)
    wanted = BLANK_ROWS + (MORE_ROWS if more == name else 0)
    trailing = 0
    for number in reversed(shown):
        if not _blank(values, f"{name}[{number}]"):
            break
        trailing += 1
    next_number = shown[-1] + 1 if shown else 0
    extra = max(0, wanted - trailing)
    return [*shown, *range(next_number, next_number + extra)]


def field_label(values: Mapping[str, str], name: str, *, more: str = "") -> str:
    """Where input ``name`` is, in the form's own words: ``Fracture 1 › Level``."""
    parts = path_parts(name)
    if not parts:
        return name
    node: Leaf | Record | Rows = case_tree()
    said: list[str] = []
    prefix = ""
    for i, part in enumerate(parts):
        if isinstance(node, Rows) and isinstance(part, int):
            shown = rows_to_show(values, prefix, more=more)
            position = shown.index(part) + 1 if part in shown else part + 1
            said.append(f"{row_name(node.key)} {position}")
            prefix, node = f"{prefix}[{part}]", node.record
        elif isinstance(node, Record) and isinstance(part, str):
            found = next((n for n in node.children if n.key == part), None)
            if found is None:
                break
            prefix, node = join(prefix, part), found
            if not isinstance(found, Rows) or i == len(parts) - 1:
                said.append(found.label)
        else:
            break
    return " › ".join(said) or name
