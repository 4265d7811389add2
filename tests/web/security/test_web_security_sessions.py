"""Sessions: idle time-out and maximum age, sign-out, CSRF, and one's own password."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from kypho.store.audit import SYSTEM
from kypho.store.base import utcnow
from kypho.store.engine import session_factory, transaction
from kypho.store.people import create_user_with_one_time_password
from kypho.web.security.authenticate import SESSION_COOKIE
from kypho.web.security.passwords import verify_password
from web.conftest import PASSWORD
from web.security.web_security_helpers import (
    change_session,
    csrf_of,
    session_row,
    sign_in_form,
    signed_in,
    user_row,
)

IDLE_MINUTES = 30  # Settings.session_idle_minutes default
MAX_HOURS = 12  # Settings.session_max_hours default
NEW_PASSWORD = "a new long passphrase 42"


def _seen(minutes_ago: float):  # noqa: ANN202
    return lambda row: setattr(row, "last_seen_at", utcnow() - timedelta(minutes=minutes_ago))


def test_idle_just_inside_the_limit_stays_signed_in(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    cookie = signed_in(client, "doc", PASSWORD)
    change_session(web_engine, cookie, _seen(IDLE_MINUTES - 0.5))
    assert client.get("/account/password", follow_redirects=False).status_code == 200
    assert utcnow() - session_row(web_engine, cookie).last_seen_at < timedelta(minutes=1)


def test_idle_past_the_limit_signs_out_with_a_message(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    cookie = signed_in(client, "doc", PASSWORD)
    change_session(web_engine, cookie, _seen(IDLE_MINUTES + 0.5))
    answer = client.get("/account/password", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/account/password"
    page = client.get(answer.headers["location"])
    assert "signed out after 30 minutes without activity" in page.text
    assert client.get("/api/me").status_code == 401
    # a request after the time-out does not revive the session
    assert session_row(web_engine, cookie).last_seen_at < utcnow() - timedelta(minutes=30)


def test_maximum_age_on_both_sides(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    cookie = signed_in(client, "doc", PASSWORD)
    started = utcnow() - timedelta(hours=MAX_HOURS) + timedelta(minutes=1)
    change_session(web_engine, cookie, lambda row: setattr(row, "created_at", started))
    assert client.get("/api/me").status_code == 200
    too_old = utcnow() - timedelta(hours=MAX_HOURS, minutes=1)
    change_session(web_engine, cookie, lambda row: setattr(row, "created_at", too_old))
    assert client.get("/api/me").status_code == 401
    assert "limit of 12 hours" in client.get("/sign-in").text


def test_sign_out_ends_the_session_on_the_server(client, users, web_engine, web_app) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    cookie = signed_in(client, "doc", PASSWORD)
    answer = client.post("/sign-out", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?signed_out=1"
    assert 'kypho_session=""' in answer.headers["set-cookie"]
    assert session_row(web_engine, cookie).ended_at is not None
    replay = TestClient(web_app, cookies={SESSION_COOKIE: cookie})  # a copy of the old cookie
    assert replay.get("/api/me").status_code == 401


def test_sign_out_without_the_csrf_token_is_refused(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    cookie = signed_in(client, "doc", PASSWORD)
    assert client.post("/sign-out", data={}, follow_redirects=False).status_code == 403
    assert session_row(web_engine, cookie).ended_at is None


def _change(
    client: TestClient,
    csrf: str | None,
    new: str = NEW_PASSWORD,
    *,
    current: str = PASSWORD,
    repeat: str | None = None,
):  # noqa: ANN202
    data = {"current_password": current, "new_password": new,
            "repeat_password": new if repeat is None else repeat}  # fmt: skip
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/account/password", data=data, follow_redirects=False)


def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    signed_in(client, "doc", PASSWORD)
    right = csrf_of(client)
    for sent in (None, "", right[:-1] + ("A" if right[-1] != "A" else "B")):
        answer = _change(client, sent)
        assert answer.status_code == 403, sent
        assert answer.text.count("csrf_token") >= 1
        assert verify_password(user_row(web_engine, "doc").password_hash, PASSWORD)
    assert _change(client, right).status_code == 303
    assert verify_password(user_row(web_engine, "doc").password_hash, NEW_PASSWORD)


def test_api_with_a_cookie_needs_csrf_and_with_a_bearer_token_does_not(client, users) -> None:  # noqa: ANN001
    _, token = users.make("physician", username="doc")
    signed_in(client, "doc", PASSWORD)
    assert client.post("/api/me/tokens", json={"label": "x"}).status_code == 403
    made = client.post(
        "/api/me/tokens", json={"label": "x"}, headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert made.status_code == 201
    bearer = TestClient(client.app, headers={"Authorization": f"Bearer {token}"})
    issued = bearer.post("/api/me/tokens", json={"label": "script"})
    assert issued.status_code == 201
    own = TestClient(client.app, headers={"Authorization": f"Bearer {issued.json()['token']}"})
    me = own.get("/api/me").json()
    assert me["username"] == "doc" and "decide" in me["permissions"]
    assert "manage_users" not in me["permissions"]


def test_password_rules_on_both_sides_with_the_message_beside_the_field(client, users) -> None:  # noqa: ANN001
    users.make("physician", username="doctor-who-1")
    signed_in(client, "doctor-who-1", PASSWORD)
    csrf = csrf_of(client)
    cases = [
        ("eleven char", {}, "new_password", "at least 12 characters, got 11"),
        ("DOCTOR-WHO-1", {}, "new_password", "other than your username"),
        (PASSWORD, {}, "new_password", "other than the current one"),
        (NEW_PASSWORD, {"repeat": NEW_PASSWORD + "x"}, "repeat_password", "typed again"),
        (NEW_PASSWORD, {"current": "not it at all"}, "current_password", "current password"),
    ]
    for new, extra, field, words in cases:
        answer = _change(client, csrf, new, **extra)
        assert answer.status_code == 422, new
        assert f'id="{field}-error">' in answer.text and words in answer.text, new
        assert new not in answer.text  # a password is never shown back
    assert _change(client, csrf, "twelve chars").status_code == 303  # exactly 12


def test_a_password_change_ends_the_other_sessions_only(client, users, web_engine, web_app) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    other = TestClient(web_app)
    other_cookie = signed_in(other, "doc", PASSWORD)
    signed_in(client, "doc", PASSWORD)
    assert _change(client, csrf_of(client)).status_code == 303
    assert session_row(web_engine, other_cookie).ended_at is not None
    assert other.get("/api/me").status_code == 401
    page = client.get("/account/password?changed=1")
    assert "Your password is changed" in page.text


def test_a_one_time_password_only_opens_the_password_page(client, web_engine) -> None:  # noqa: ANN001
    with transaction(session_factory(web_engine)) as db:
        _, once = create_user_with_one_time_password(
            db, SYSTEM, username="newadmin", display_name="New Admin", role="administrator"
        )
    answer = sign_in_form(client, "newadmin", once, next_path="/admin/users")
    assert answer.headers["location"] == "/account/password"
    refused = client.get("/admin/users", follow_redirects=False)
    assert refused.status_code == 403 or refused.headers["location"] == "/account/password"
    assert client.get("/api/users").status_code == 403
    assert client.get("/api/me").json()["must_change_password"] is True
    assert _change(client, csrf_of(client), current=once).status_code == 303
    assert client.get("/admin/users").status_code == 200
    assert user_row(web_engine, "newadmin").must_change_password is False
