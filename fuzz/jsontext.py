"""JSON text that the standard library will not write: raw tokens and repeated keys.

``Raw("NaN")`` is written as is; ``Pairs([("a", 1), ("a", 2)])`` is an object whose
keys may repeat. Everything else is written as ``json.dumps`` would.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Raw:
    """A token written verbatim: ``NaN``, ``1e999``, a 400-digit number, deep brackets."""

    text: str


@dataclass(frozen=True, slots=True)
class Pairs:
    """An object as a list of (key, value) pairs; a key may repeat."""

    items: tuple[tuple[str, Any], ...]


def dumps(value: Any) -> str:
    """JSON text for ``value`` (an explicit stack: deep values do not recurse)."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Raw):
            out.append(item.text)
        elif isinstance(item, dict | Pairs):
            pairs = list(item.items() if isinstance(item, dict) else item.items)
            parts: list[Any] = [Raw("{")]
            for i, (key, val) in enumerate(pairs):
                parts += [Raw(("," if i else "") + json.dumps(key) + ":"), val]
            parts.append(Raw("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, list):
            parts = [Raw("[")]
            for i, val in enumerate(item):
                parts += ([Raw(",")] if i else []) + [val]
            parts.append(Raw("]"))
            stack.extend(reversed(parts))
        else:
            out.append(json.dumps(item))
    return "".join(out)


def nesting_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON text, outside strings (no parsing,
    so a text too deep for ``json.loads`` is measured too)."""
    outside = "".join(re.split(r'"(?:\\.|[^"\\])*"', text))
    deepest = level = 0
    for run in re.findall(r"[\[{]+|[\]}]+", outside):
        level += len(run) if run[0] in "[{" else -len(run)
        deepest = max(deepest, level)
    return deepest
