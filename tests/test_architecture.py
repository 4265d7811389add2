"""Imports flow one way: the core never imports the edges or heavy I/O libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kypho"
CORE = ("domain", "rules", "morphometry", "planning", "pathway")
FORBIDDEN_IN_CORE = (
    "typer",
    "pydantic",
    "nibabel",
    "fpdf",
    "icalendar",
    "jinja2",
    "kypho.cli",
    "kypho.commands",
)
FORBIDDEN_IN_DOMAIN = (
    "kypho.rules",
    "kypho.morphometry",
    "kypho.planning",
    "kypho.pathway",
    "kypho.casefile",
)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("folder", CORE)
def test_core_does_not_import_the_edges(folder: str) -> None:
    for path in (SRC / folder).rglob("*.py"):
        bad = {
            m for m in imports(path) for f in FORBIDDEN_IN_CORE if m == f or m.startswith(f + ".")
        }
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_domain_imports_nothing_above_it() -> None:
    for path in (SRC / "domain").rglob("*.py"):
        bad = {m for m in imports(path) for f in FORBIDDEN_IN_DOMAIN if m.startswith(f)}
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"
