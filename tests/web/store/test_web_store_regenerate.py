"""``python -m kypho.store.migrations.regenerate`` makes exactly the committed 0001.

Before the first release 0001 is regenerated, not edited, when a model changes (see
``kypho.store.migrations``): this test fails if 0001 and what the models autogenerate to
have drifted apart, or if someone edited 0001 by hand (then put the edit in
``regenerate``). After the first release new revisions are added and this test goes.
"""

from __future__ import annotations

from pathlib import Path

from kypho.store.migrations.regenerate import INITIAL_NAME, VERSIONS, regenerate


def _without_date(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("Create Date: ")]


def test_regenerate_writes_the_committed_initial_migration(tmp_path: Path) -> None:
    written = regenerate(tmp_path)
    assert written == tmp_path / INITIAL_NAME
    fresh = written.read_text(encoding="utf-8")
    assert "    audit_triggers.create(op)\n" in fresh
    assert "    audit_triggers.drop(op)\n" in fresh
    committed = (VERSIONS / INITIAL_NAME).read_text(encoding="utf-8")
    assert _without_date(fresh) == _without_date(committed)
