"""``kypho serve``'s preparation on both engines: upgrade, seed once, then nothing more."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from kypho.commands.serve import prepare
from kypho.config import Settings
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, Case, Room, User


def test_prepare_seeds_once_on_either_engine(any_engine_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=any_engine_url)
    _, engine, lines = prepare(settings)
    assert "Database: created (revision 0001)" in lines
    assert sum("one-time password: " in line for line in lines) == 1
    engine.dispose()
    _, engine, lines = prepare(settings)
    assert "Database: up to date (revision 0001)" in lines
    assert not any("one-time password: " in line for line in lines)
    with transaction(session_factory(engine)) as db:
        counts = [db.scalar(select(func.count()).select_from(m)) for m in (User, Case, Room)]
        audited = db.scalar(select(func.count()).where(AuditEvent.record_type == "case"))
    engine.dispose()
    assert counts == [1, 15, 2]
    assert audited == 15  # one "create" per seeded case, none again on the second start
