"""Write a JSON-like tree as TOML by hand (tomli-w is not a dependency).

Top-level tables become ``[name]``, lists of tables ``[[name]]``, everything deeper an
inline table. ``None`` drops its key; ``Raw`` is written as is; ``Pairs`` may repeat a key.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fuzz.jsontext import Pairs, Raw

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    return name if _BARE.fullmatch(name) else json.dumps(name)


def _items(table: Any) -> list[tuple[str, Any]]:
    pairs = table.items if isinstance(table, Pairs) else tuple(table.items())
    return [(str(k), v) for k, v in pairs if v is not None]


def value(item: Any) -> str:
    if isinstance(item, Raw):
        return item.text
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        return ("inf" if item > 0 else "-inf") if math.isinf(item) else repr(item)
    if isinstance(item, str):
        return json.dumps(item)
    if isinstance(item, list):
        return "[" + ", ".join(value(v) for v in item if v is not None) + "]"
    if isinstance(item, dict | Pairs):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in _items(item)) + "}"
    return json.dumps(str(item))


def _is_tables(item: Any) -> bool:
    return isinstance(item, list) and bool(item) and all(isinstance(v, dict | Pairs) for v in item)


def dumps(doc: Any) -> str:
    """TOML text for a top-level table."""
    if not isinstance(doc, dict | Pairs):
        return value(doc)
    head: list[str] = []
    tail: list[str] = []
    for name, item in _items(doc):
        if isinstance(item, dict | Pairs):
            tail.append(f"\n[{key(name)}]")
            tail += [f"{key(k)} = {value(v)}" for k, v in _items(item)]
        elif _is_tables(item):
            for table in item:
                tail.append(f"\n[[{key(name)}]]")
                tail += [f"{key(k)} = {value(v)}" for k, v in _items(table)]
        else:
            head.append(f"{key(name)} = {value(item)}")
    return "\n".join(head + tail) + "\n"
