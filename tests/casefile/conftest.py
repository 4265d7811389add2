"""Fixtures for the case-file tests: the documented full example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
DOCS = TESTS.parent / "docs"


@pytest.fixture(scope="session")
def full_example_text() -> str:
    """The one full example in docs/case-format.md, so the doc cannot go stale."""
    doc = (DOCS / "case-format.md").read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```json\n(.*?)```", doc, flags=re.DOTALL)
    assert len(blocks) == 1, "docs/case-format.md should hold exactly one ```json example"
    return blocks[0]
