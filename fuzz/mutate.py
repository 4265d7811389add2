"""Mutations shared by the generators: JSON-like trees and raw bytes."""

from __future__ import annotations

import random
from typing import Any

from fuzz.jsontext import Pairs, Raw

EXTREMES: tuple[Any, ...] = (
    Raw("1" + "0" * 399),
    Raw("-" + "9" * 400),
    Raw("1" * 1001),
    1e308,
    -1e308,
    Raw("1e999"),
    Raw("-1e999"),
    Raw("-0"),
    Raw("-0.0"),
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    5e-324,
    -1,
    0,
    10**20,
    0.5,
    2.0,
    131,
    2**63,
    1e16,
)
DATES = (
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "1899-12-31",
    "1900-01-01",
    "2199-12-31",
    "2200-01-01",
    "2026-11-21",
    "2026-11-22",
    "2026-11-28",
    "2026-1-5",
    "20261105",
    "2026-11-05T00:00",
    "2026-W47-1",
    "",
)
WORDS = ("T13", "l1", "L 1", "Female", "MRI", "", " ", "true", "osteoporosis", "NRS ", "kg.")
SCALARS: tuple[Any, ...] = ("text", 1, 1.5, True, False, None, [], {}, "1", [1], {"a": 1})
DEEP = (50, 1000, 100_000)


def locations(doc: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in the tree."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        item = stack.pop()
        keys: Any = (
            list(item)
            if isinstance(item, dict)
            else range(len(item))
            if isinstance(item, list)
            else ()
        )
        for key in keys:
            out.append((item, key))
            stack.append(item[key])
    return out


def _value(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(EXTREMES)
    if pick < 0.5:
        return rng.choice(DATES)
    if pick < 0.65:
        return rng.choice(WORDS)
    if pick < 0.8:
        return rng.choice(SCALARS)
    if pick < 0.87:
        return rng.choice(
            ("\ud800", "a\udfffb", "é" * 3, "\u0000", "x" * rng.choice((100, 10_000)))
        )
    if pick < 0.93:
        depth = rng.choice(DEEP)
        return Raw("[" * depth + "]" * depth)
    return "x" * rng.choice((100_000, 2_100_000))


def _date_fields(doc: Any) -> list[tuple[Any, Any]]:
    return [
        (c, k)
        for c, k in locations(doc)
        if isinstance(k, str) and (k == "date" or k.endswith("_date"))
    ]


def _edit_place(doc: dict[str, Any], parent: Any, key: Any, op: float, rng: random.Random) -> None:
    """Drop, replace or duplicate one place, or move one date."""
    if op < 0.15:
        del parent[key]
    elif op < 0.55:
        parent[key] = _value(rng)
    elif op < 0.7:
        dated = _date_fields(doc)
        if dated:
            where, name = rng.choice(dated)
            where[name] = rng.choice(DATES)
    elif isinstance(parent, list):
        parent.append(parent[key])
    else:
        parent[rng.choice(("fractrues", "extra", "\ud800", "Level", ""))] = rng.choice(SCALARS)


def structure(doc: Any, rng: random.Random) -> Any:
    """One structural mutation of a JSON-like tree (may return a new root)."""
    places = locations(doc)
    if not places or not isinstance(doc, dict):
        return doc
    parent, key = rng.choice(places)
    op = rng.random()
    if op < 0.83:
        _edit_place(doc, parent, key, op, rng)
    elif op < 0.88:
        doc["schema_version"] = rng.choice((2, "1", True, 1.0, 0, None, Raw("1" + "0" * 400)))
    elif op < 0.92 and isinstance(parent, dict):
        fresh = Pairs((*parent.items(), (key, _value(rng))))
        return fresh if parent is doc else _replace(doc, parent, fresh)
    elif op < 0.96:
        patient = doc.get("patient")
        if isinstance(patient, dict):
            patient.update(sex="male", pregnant=True)
    else:
        return rng.choice((*SCALARS, Raw("[" * 100_000)))
    return doc


def _replace(doc: Any, old: Any, new: Any) -> Any:
    for parent, key in locations(doc):
        if parent[key] is old:
            parent[key] = new
            return doc
    return doc


def damage(data: bytes, rng: random.Random) -> bytes:
    """Byte-level damage: truncation, bit flips, byte-order marks, invalid UTF-8, NULs."""
    op = rng.randrange(7)
    at = rng.randrange(len(data) + 1)
    if op == 0:
        return data[:at]
    if op == 1:
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        return bytes(out)
    if op == 2:
        return (
            rng.choice((b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
            + data
        )
    if op == 3:
        bad = rng.choice((b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80"))
        return data[:at] + bad + data[at:]
    if op == 4:
        return data[:at] + b"\x00" + data[at:]
    if op == 5:
        return data.replace(b"\n", b"\r\n")
    return data[:at] + data[at:][: rng.randrange(50) + 1] * rng.randint(2, 50) + data[at:]
