"""A bearer token is read afresh on every request, on SQLite and on PostgreSQL alike.

The token's row and its user's are read by one Core query (``authenticate._from_token``);
a change made by plain SQL, as another process or an administrator's script would make
it, counts at the very next request: a revoked token, a changed role, a deactivated user.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update

from kypho.config import Settings
from kypho.store.audit import SYSTEM
from kypho.store.base import utcnow
from kypho.store.engine import session_factory, transaction
from kypho.store.models import ApiToken
from kypho.store.people import create_user, issue_api_token
from kypho.web.app import create_app
from web.conftest import PASSWORD


@pytest.fixture
def api(any_engine: Engine, web_settings: Settings) -> Iterator[TestClient]:
    with transaction(session_factory(any_engine)) as db:
        user = create_user(db, SYSTEM, username="coord", display_name="Coordinator",
                           role="coordinator", password=PASSWORD)  # fmt: skip
        token = issue_api_token(db, SYSTEM, user)
    with TestClient(create_app(web_settings, engine=any_engine)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _sql(any_engine: Engine, statement: str) -> None:
    with any_engine.begin() as connection:
        connection.execute(text(statement))


def test_a_token_revoked_by_plain_sql_is_refused_at_once(
    api: TestClient, any_engine: Engine
) -> None:
    assert api.get("/").status_code == 200
    _sql(any_engine, "UPDATE api_tokens SET revoked_at = created_at")
    refused = api.get("/", follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, "/sign-in?next=/")
    assert api.get("/api/me").status_code == 401


def test_a_user_deactivated_by_plain_sql_is_refused_at_once(
    api: TestClient, any_engine: Engine
) -> None:
    assert api.get("/api/me").status_code == 200
    _sql(any_engine, "UPDATE users SET active = false")
    assert api.get("/api/me").status_code == 401


def test_a_role_changed_by_plain_sql_counts_at_once(api: TestClient, any_engine: Engine) -> None:
    assert api.get("/api/me").json()["role"] == "coordinator"
    _sql(any_engine, "UPDATE users SET role = 'administrator'")
    assert api.get("/").status_code == 403  # administrators see no patient data
    assert api.get("/api/me").json()["role"] == "administrator"


def _last_used(any_engine: Engine) -> datetime | None:
    """The first token's ``last_used_at`` (a POST below issues a second one)."""
    with session_factory(any_engine)() as db:
        return db.scalar(select(ApiToken.last_used_at).order_by(ApiToken.id).limit(1))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_last_used_at_moves_on_a_read_and_on_a_write(
    api: TestClient, any_engine: Engine, method: str
) -> None:
    assert _last_used(any_engine) is None
    answer = api.get("/api/me") if method == "GET" else api.post("/api/me/tokens", json={})
    assert answer.status_code in (200, 201)
    assert _last_used(any_engine) is not None
    long_ago = utcnow() - timedelta(hours=1)  # past TOUCH_EVERY
    with transaction(session_factory(any_engine)) as db:
        db.execute(update(ApiToken).values(last_used_at=long_ago))
    answer = api.get("/api/me") if method == "GET" else api.post("/api/me/tokens", json={})
    assert answer.status_code in (200, 201)
    moved = _last_used(any_engine)
    assert moved is not None and moved > long_ago + timedelta(minutes=30)
