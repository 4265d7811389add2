"""User administration: create with a one-time password, deactivate, reset, unlock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kypho.store.base import utcnow
from kypho.store.engine import session_factory, transaction
from kypho.store.models import ApiToken, AuditEvent, User
from web.conftest import PASSWORD
from web.security.web_security_helpers import (
    change_user,
    csrf_of,
    sign_in_form,
    signed_in,
    user_row,
)

ONE_TIME = re.compile(r'<code class="one-time">([^<]+)</code>')
HOSTILE = ["<script>alert(1)</script>", "'; DROP TABLE users;--", 'Dr "Quote" O\'Neil & <b>co</b>']


@pytest.fixture
def admin(client: TestClient, users) -> tuple[TestClient, str]:  # noqa: ANN001
    """A signed-in administrator's browser and its CSRF token."""
    users.make("administrator", username="admin")
    signed_in(client, "admin", PASSWORD)
    return client, csrf_of(client)


def _create(admin: tuple[TestClient, str], username: str, display_name: str, role: str):  # noqa: ANN202
    admin_client, csrf = admin
    return admin_client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": username, "display_name": display_name, "role": role},
    )


def test_a_new_user_gets_a_one_time_password_that_must_be_changed(admin, web_app) -> None:  # noqa: ANN001
    page = _create(admin, "coord", "Pat Coordinator", "coordinator")
    assert page.status_code == 201
    once = ONE_TIME.search(page.text)
    assert once, page.text
    assert len(once.group(1)) >= 12
    assert once.group(1) not in admin[0].get("/admin/users").text  # shown only once
    browser = TestClient(web_app)
    answer = sign_in_form(browser, "coord", once.group(1))
    assert answer.headers["location"] == "/account/password"


def test_a_taken_username_is_refused_beside_the_field_keeping_the_input(admin) -> None:  # noqa: ANN001
    _create(admin, "coord", "Pat", "coordinator")
    again = _create(admin, "coord", "Someone Else", "physician")
    assert again.status_code == 422
    assert 'id="username-error">expected a name not yet taken' in again.text
    assert 'value="Someone Else"' in again.text and 'value="physician" selected' in again.text


def test_a_missing_role_is_refused_and_nothing_is_stored(admin, web_engine) -> None:  # noqa: ANN001
    answer = _create(admin, "norole", "No Role", "")
    assert answer.status_code == 422 and 'id="role-error"' in answer.text
    with transaction(session_factory(web_engine)) as db:
        assert db.scalar(select(User).where(User.username == "norole")) is None


def test_hostile_text_is_stored_intact_and_shown_escaped(admin, web_engine, web_app) -> None:  # noqa: ANN001
    for n, text in enumerate(HOSTILE):
        made = _create(admin, text, text, "read_only")
        assert made.status_code == 201, text
        stored = user_row(web_engine, text)
        assert (stored.username, stored.display_name) == (text, text), n
        once = ONE_TIME.search(made.text)
        assert once
        signed = sign_in_form(TestClient(web_app), text, once.group(1))
        assert signed.headers["location"] == "/account/password"  # the name works to sign in
    audit = admin[0].get("/admin/audit?action=sign_in").text
    assert "<script>alert(1)</script>" not in audit and "&lt;script&gt;" in audit
    page = admin[0].get("/admin/users").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#39;; DROP TABLE users;--" in page
    assert "<b>co</b>" not in page and "&lt;b&gt;co&lt;/b&gt;" in page
    with transaction(session_factory(web_engine)) as db:
        assert len(db.scalars(select(User)).all()) == 1 + len(HOSTILE)  # the table is still there


def test_deactivate_ends_sessions_and_tokens_and_reactivate_restores(
    admin, users, web_engine, web_app
) -> None:  # noqa: ANN001
    user_id, token = users.make("physician", username="doc")
    browser = TestClient(web_app)
    signed_in(browser, "doc", PASSWORD)
    client, csrf = admin
    answer = client.post(f"/admin/users/{user_id}/deactivate", data={"csrf_token": csrf},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert browser.get("/api/me").status_code == 401
    bearer = TestClient(web_app, headers={"Authorization": f"Bearer {token}"})
    assert bearer.get("/api/me").status_code == 401
    with transaction(session_factory(web_engine)) as db:
        assert db.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user_id))
    assert "deactivated" in sign_in_form(TestClient(web_app), "doc", PASSWORD).text
    client.post(f"/admin/users/{user_id}/reactivate", data={"csrf_token": csrf})
    assert sign_in_form(TestClient(web_app), "doc", PASSWORD).status_code == 303


def test_an_administrator_cannot_deactivate_themselves(admin, web_engine) -> None:  # noqa: ANN001
    client, csrf = admin
    own_id = user_row(web_engine, "admin").id
    answer = client.post(f"/admin/users/{own_id}/deactivate", data={"csrf_token": csrf})
    assert answer.status_code == 422 and "another user than yourself" in answer.text
    assert user_row(web_engine, "admin").active is True


def test_reset_gives_a_new_one_time_password_and_unlock_lifts_a_lock(
    admin, users, web_app, web_engine
) -> None:  # noqa: ANN001
    user_id, _ = users.make("physician", username="doc")
    client, csrf = admin
    page = client.post(f"/admin/users/{user_id}/reset-password", data={"csrf_token": csrf})
    once = ONE_TIME.search(page.text)
    assert once
    assert sign_in_form(TestClient(web_app), "doc", PASSWORD).status_code == 401
    assert (
        sign_in_form(TestClient(web_app), "doc", once.group(1)).headers["location"]
        == "/account/password"
    )
    until = utcnow() + timedelta(minutes=10)
    change_user(web_engine, "doc", lambda u: setattr(u, "locked_until", until))
    assert "locked" in sign_in_form(TestClient(web_app), "doc", once.group(1)).text
    listed = client.get("/admin/users").text
    assert "Unlock doc" in listed
    zone = web_app.state.settings.time_zone  # the clinic's
    assert f"locked until {until.astimezone(zone):%Y-%m-%d %H:%M %Z}</span>" in listed
    client.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": csrf})
    assert sign_in_form(TestClient(web_app), "doc", once.group(1)).status_code == 303
    with transaction(session_factory(web_engine)) as db:
        by_admin = select(AuditEvent.action).where(
            AuditEvent.record_id == str(user_id), AuditEvent.username == "admin"
        )
        actions = db.scalars(by_admin).all()
        details = db.scalars(select(AuditEvent.detail)).all()
    assert list(actions) == ["reset_password", "unlock"]
    assert all(once.group(1) not in detail for detail in details)


def test_users_over_the_api(users) -> None:  # noqa: ANN001
    api = users.api("administrator")
    made = api.post("/api/users", json={"username": "rad", "display_name": "Rae Diologist",
                                        "role": "radiologist"})  # fmt: skip
    assert made.status_code == 201
    body = made.json()
    assert body["must_change_password"] is True and len(body["one_time_password"]) >= 12
    listed = api.get("/api/users").json()["items"]
    assert [u["username"] for u in listed] == ["administrator1", "rad"]
    assert all("one_time_password" not in u and "password_hash" not in u for u in listed)
    bad = api.post("/api/users", json={"username": "x", "display_name": "X", "role": "surgeon"})
    assert bad.status_code == 422 and bad.json()["field"] == "role"
    gone = api.post(f"/api/users/{body['id']}/deactivate")
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert api.post("/api/users/9999/unlock").status_code == 404
