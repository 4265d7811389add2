"""The jti replay cache is in the database: two app processes on one database share it.

Two apps, each with its own engine and its own trust state, on one SQLite file stand for
two worker processes; a token used on one is refused on the other. The cache itself is
checked on both sides of its boundaries: a new key, the same key again, the same jti
from another issuer, and pruning of rows past their exp (plus the JWT leeway).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kypho_cds_support import (
    BASE,
    EXAMPLES,
    ISSUER,
    ClientKeys,
    cds_client,
    draft_order,
    hook_body,
    prefetch_of,
)  # fmt: skip
from sqlalchemy import func, select

from kypho.store import cds_jti
from kypho.store.cds_jti import DbJtiCache
from kypho.store.engine import make_engine, session_factory
from kypho.store.models.cds_jti import CdsJti
from kypho.store.schema import upgrade

ON = date(2026, 11, 21)
PID = "p-1"
SIGN = "/cds-services/kypho-order-sign"


def _body() -> dict[str, Any]:
    from kypho.casefile import load_case

    prefetch = prefetch_of(load_case(EXAMPLES / "09-discitis.json"), PID)
    return hook_body("order-sign", PID, prefetch, [draft_order("22514", PID)])


def test_a_token_used_on_one_process_is_refused_on_another(tmp_path: Path) -> None:
    keys = ClientKeys()
    settings = {"cds_allowed_issuers": (ISSUER,), "cds_jwks": keys.write(tmp_path)}
    token = {"authorization": f"Bearer {keys.token(BASE + SIGN)}"}
    body = _body()
    with cds_client(tmp_path, ON, **settings) as one, cds_client(tmp_path, ON, **settings) as two:
        assert one.post(SIGN, json=body, headers=token).status_code == 200
        again = two.post(SIGN, json=body, headers=token)
        assert again.status_code == 401
        assert "already used" in again.json()["issue"][0]["diagnostics"]
        fresh = {"authorization": f"Bearer {keys.token(BASE + SIGN)}"}  # a new jti
        assert two.post(SIGN, json=body, headers=fresh).status_code == 200


@pytest.fixture
def sessions(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'kypho.sqlite3'}")
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def test_the_cache_refuses_a_key_only_when_it_was_seen(sessions: Any) -> None:
    first, second = DbJtiCache(sessions, leeway_s=30), DbJtiCache(sessions, leeway_s=30)
    exp = time.time() + 300
    assert first.first_use("iss-a jti-1", exp) is True
    assert second.first_use("iss-a jti-1", exp) is False  # the replay, in another "process"
    assert first.first_use("iss-a jti-1", exp) is False
    assert second.first_use("iss-b jti-1", exp) is True  # same jti, another issuer
    assert first.first_use("iss-a jti-2", exp) is True


def test_rows_past_exp_and_leeway_are_pruned_and_others_kept(
    sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    with sessions() as db:
        db.add_all([
            CdsJti(key="a" * 64, expires_at=now - timedelta(seconds=31)),  # past exp + leeway
            CdsJti(key="b" * 64, expires_at=now - timedelta(seconds=10)),  # within the leeway
            CdsJti(key="c" * 64, expires_at=now + timedelta(seconds=60)),
        ])  # fmt: skip
        db.commit()
    monkeypatch.setattr(cds_jti, "PRUNE_EVERY_S", 0.0)
    assert DbJtiCache(sessions, leeway_s=30).first_use("iss jti-new", time.time() + 60)
    with sessions() as db:
        keys = set(db.scalars(select(CdsJti.key)))
        count = db.scalar(select(func.count()).select_from(CdsJti))
    assert {"b" * 64, "c" * 64} <= keys and "a" * 64 not in keys and count == 3
