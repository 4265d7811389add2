"""Sign-in, lock-out, sessions and the audit trail on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kypho.config import Settings
from kypho.store.audit import SYSTEM
from kypho.store.base import utcnow
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent
from kypho.store.people import create_user
from kypho.web.app import create_app
from web.conftest import PASSWORD
from web.security.web_security_helpers import (
    change_session,
    change_user,
    csrf_of,
    sign_in_form,
    signed_in,
)


@pytest.fixture
def browser(any_engine: Engine, web_settings: Settings) -> Iterator[TestClient]:
    with transaction(session_factory(any_engine)) as db:
        create_user(db, SYSTEM, username="admin", display_name="Admin", role="administrator",
                    password=PASSWORD)  # fmt: skip
    with TestClient(create_app(web_settings, engine=any_engine)) as client:
        yield client


def test_lock_out_and_unlock_on_each_engine(browser: TestClient, any_engine: Engine) -> None:
    for _ in range(5):
        answer = sign_in_form(browser, "admin", "wrong")
    assert "locked" in answer.text
    long_name = sign_in_form(browser, "x" * 300, "wrong")  # over the users.username width
    assert long_name.status_code == 401 and "Wrong username or password." in long_name.text
    change_user(
        any_engine, "admin", lambda u: setattr(u, "locked_until", utcnow() - timedelta(seconds=1))
    )
    cookie = signed_in(browser, "admin", PASSWORD)
    assert browser.get("/admin/users", follow_redirects=False).status_code == 200
    change_session(
        any_engine, cookie, lambda r: setattr(r, "last_seen_at", utcnow() - timedelta(hours=1))
    )
    assert browser.get("/admin/users", follow_redirects=False).status_code == 303


def test_audit_filters_and_export_on_each_engine(browser: TestClient, any_engine: Engine) -> None:
    day = datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC)
    with transaction(session_factory(any_engine)) as db:
        db.add_all(
            AuditEvent(at=day + timedelta(seconds=s), username="pat", role="coordinator",
                       action="read", record_type="case", record_id="7", case_id=7, detail=f"s{s}")
            for s in (0, 1)
        )  # fmt: skip
    signed_in(browser, "admin", PASSWORD)
    page = browser.get("/admin/audit?from=2026-03-02&to=2026-03-02&case_id=7").text
    assert "s0" in page and "s1" not in page
    export = browser.get("/admin/audit.csv?case_id=7").text.splitlines()
    assert len(export) == 3 and export[1].endswith(",s0") and export[2].endswith(",s1")
    made = browser.post(
        "/admin/users",
        data={
            "csrf_token": csrf_of(browser),
            "username": "<x>'",
            "display_name": 'a"b',
            "role": "physician",
        },
    )
    assert made.status_code == 201 and "&lt;x&gt;&#39;" in made.text
