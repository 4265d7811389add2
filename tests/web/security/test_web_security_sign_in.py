"""Sign-in: the form, the cookie, session fixation, lock-out, throttling, audit events."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.config import Settings
from kypho.store.base import utcnow
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, SignInAttempt
from kypho.web.app import create_app
from kypho.web.security.authenticate import SESSION_COOKIE
from kypho.web.security.passwords import hash_password, verify_password
from kypho.web.security.signin import DUMMY_HASH
from kypho.web.security.throttle import IP_MAX_FAILURES
from web.conftest import PASSWORD
from web.security.web_security_helpers import (
    change_user,
    session_row,
    sign_in_form,
    signed_in,
    user_row,
)

MAX_FAILURES = 5  # Settings.sign_in_max_failures default, used by web_settings
TESTCLIENT_IP = "testclient"  # what Starlette's TestClient reports as the client address


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with transaction(session_factory(engine)) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_form_is_labelled_and_keeps_the_username(client: TestClient, users) -> None:  # noqa: ANN001
    page = client.get("/sign-in")
    assert '<label for="username">' in page.text and '<label for="password">' in page.text
    users.make("physician", username="doc")
    answer = sign_in_form(client, "doc", "not the password")
    assert answer.status_code == 401
    assert 'value="doc"' in answer.text
    assert "Wrong username or password." in answer.text
    assert "not the password" not in answer.text


def test_right_password_sets_an_httponly_lax_cookie_and_goes_to_next(client, users) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    answer = sign_in_form(client, "doc", PASSWORD, next_path="/schedule?day=2026-01-05")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/schedule?day=2026-01-05"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # web_settings: cookie_secure is False


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x", ""]
)
def test_next_that_leaves_the_site_goes_home(client, users, target: str) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    answer = sign_in_form(client, "doc", PASSWORD, next_path=target)
    assert answer.headers["location"] == "/"


def test_cookie_is_secure_when_the_settings_say_so(web_engine: Engine, users, tmp_path) -> None:  # noqa: ANN001
    settings = Settings(data_dir=tmp_path / "s", secret_key="k" * 40, cookie_secure=True)
    users.make("physician", username="doc")
    with TestClient(create_app(settings, engine=web_engine), base_url="https://testserver") as c:
        answer = sign_in_form(c, "doc", PASSWORD)
    assert "Secure" in answer.headers["set-cookie"]


def test_session_fixation_a_cookie_set_before_sign_in_is_replaced(client, users, web_app) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    # the domain httpx gives cookies the test server sets, so this one is replaced, not doubled
    client.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker", domain="testserver.local")
    after = signed_in(client, "doc", PASSWORD)
    assert after != "chosen-by-an-attacker"
    # signing in again from a signed-in browser gives a new session and ends the old one
    again = signed_in(client, "doc", PASSWORD)
    assert again != after
    old = TestClient(web_app, cookies={SESSION_COOKIE: after})
    assert old.get("/api/me").status_code == 401
    assert old.get("/account/password", follow_redirects=False).status_code == 303
    fresh = TestClient(web_app, cookies={SESSION_COOKIE: again})
    assert fresh.get("/api/me").json()["username"] == "doc"


def test_sessions_get_their_own_csrf_tokens(client, users, web_engine, web_app) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    first = signed_in(client, "doc", PASSWORD)
    second = signed_in(TestClient(web_app), "doc", PASSWORD)
    a, b = session_row(web_engine, first), session_row(web_engine, second)
    assert a.csrf_token and b.csrf_token and a.csrf_token != b.csrf_token


def test_one_failure_short_of_the_limit_then_the_right_password_works(client, users) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    for _ in range(MAX_FAILURES - 1):
        assert sign_in_form(client, "doc", "wrong").status_code == 401
    assert sign_in_form(client, "doc", PASSWORD).status_code == 303


def test_at_the_limit_the_account_locks_until_the_lock_out_passes(
    client, users, web_engine
) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    answers = [sign_in_form(client, "doc", "wrong") for _ in range(MAX_FAILURES)]
    assert all("locked" not in answer.text for answer in answers[:-1])
    assert "locked" in answers[-1].text and "until" in answers[-1].text
    refused = sign_in_form(client, "doc", PASSWORD)
    assert refused.status_code == 401 and "locked" in refused.text
    locked_until = user_row(web_engine, "doc").locked_until
    assert locked_until is not None
    assert timedelta(minutes=14) < locked_until - utcnow() <= timedelta(minutes=15)
    change_user(
        web_engine, "doc", lambda u: setattr(u, "locked_until", utcnow() + timedelta(seconds=30))
    )
    assert sign_in_form(client, "doc", PASSWORD).status_code == 401  # still inside the lock
    change_user(
        web_engine, "doc", lambda u: setattr(u, "locked_until", utcnow() - timedelta(seconds=1))
    )
    assert sign_in_form(client, "doc", PASSWORD).status_code == 303
    assert [e.record_id for e in _events(web_engine, "lock")] == [
        str(user_row(web_engine, "doc").id)
    ]


def test_an_unknown_name_answers_as_a_known_one(client, users) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    known = [sign_in_form(client, "doc", "wrong") for _ in range(MAX_FAILURES)]
    unknown = [sign_in_form(client, "nobody", "wrong") for _ in range(MAX_FAILURES)]
    for k, u in zip(known, unknown, strict=True):
        assert k.status_code == u.status_code == 401
    assert (
        "Wrong username or password." in known[0].text
        and "Wrong username or password." in unknown[0].text
    )
    assert "Wrong username or password." in unknown[MAX_FAILURES - 2].text
    assert "locked after 5 failed sign-ins" in known[-1].text
    assert "locked after 5 failed sign-ins" in unknown[-1].text


def _failed_attempts_from_here(engine: Engine, count: int) -> None:
    with transaction(session_factory(engine)) as db:
        db.add_all(
            SignInAttempt(username=f"guess{n}", ip=TESTCLIENT_IP, at=utcnow(), succeeded=False)
            for n in range(count)
        )


def test_one_address_is_refused_after_its_failure_limit(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    _failed_attempts_from_here(web_engine, IP_MAX_FAILURES - 1)
    assert sign_in_form(client, "doc", PASSWORD).status_code == 303  # 19 failures: still fine
    _failed_attempts_from_here(web_engine, 1)
    refused = sign_in_form(client, "doc", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this address" in refused.text


def test_sign_in_events_are_audited_and_never_hold_a_password(client, users, web_engine) -> None:  # noqa: ANN001
    user_id, _ = users.make("physician", username="doc")
    sign_in_form(client, "doc", "typed-secret-9876")
    sign_in_form(client, "nobody", "typed-secret-9876")
    sign_in_form(client, "doc", PASSWORD)
    failed = _events(web_engine, "sign_in_failed")
    assert [(e.record_type, e.record_id, e.user_id) for e in failed] == [
        ("user", str(user_id), user_id), ("user", "unknown", None)
    ]  # fmt: skip
    assert [(e.record_id, e.ip) for e in _events(web_engine, "sign_in")] == [
        (str(user_id), TESTCLIENT_IP)
    ]
    with transaction(session_factory(web_engine)) as db:
        every = list(db.scalars(select(AuditEvent)))
    for event in every:
        text = " ".join(str(v) for v in (event.username, event.record_id, event.detail))
        assert "typed-secret" not in text and PASSWORD not in text
        assert "nobody" not in text  # a name that is no account may be a mistyped password


def test_a_weaker_hash_is_upgraded_at_sign_in(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    change_user(web_engine, "doc", lambda u: setattr(u, "password_hash", weak))
    assert sign_in_form(client, "doc", PASSWORD).status_code == 303
    stored = user_row(web_engine, "doc").password_hash
    assert stored != weak and "$argon2id$" in stored and verify_password(stored, PASSWORD)


def test_a_deactivated_account_cannot_sign_in(client, users, web_engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    change_user(web_engine, "doc", lambda u: setattr(u, "active", False))
    answer = sign_in_form(client, "doc", PASSWORD)
    assert answer.status_code == 401 and "deactivated" in answer.text
    assert "deactivated" not in sign_in_form(client, "doc", "wrong").text


def test_an_administrator_lands_on_the_users_page_not_the_worklist(client, users) -> None:  # noqa: ANN001
    users.make("administrator", username="admin")
    assert sign_in_form(client, "admin", PASSWORD).headers["location"] == "/admin/users"
    again = sign_in_form(client, "admin", PASSWORD, next_path="/admin/audit?user=lee")
    assert again.headers["location"] == "/admin/audit?user=lee"


def test_an_unknown_name_costs_one_real_argon2_verification(client, users) -> None:  # noqa: ANN001
    assert extract_parameters(DUMMY_HASH) == extract_parameters(hash_password("any"))
    users.make("physician", username="doc")

    def fastest_of_three(name: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            sign_in_form(client, name, "wrong")
            times.append(time.perf_counter() - started)
        return min(times)

    known, unknown = fastest_of_three("doc"), fastest_of_three("nobody")
    # without the dummy verification an unknown name answers in about 1 % of the time;
    # the bound is loose because the test machine is shared
    assert unknown > 0.3 * known, (known, unknown)


@pytest.mark.parametrize("token", [None, "", "forged-by-another-site"])
def test_a_sign_in_post_without_the_forms_own_token_is_refused(
    client, users, web_engine, token
) -> None:  # noqa: ANN001
    """Login CSRF: a form posted from elsewhere must not sign anyone in."""
    users.make("physician", username="doc")
    client.get("/sign-in")  # the page's cookie is set; the post below does not match it
    data = {"username": "doc", "password": PASSWORD, "next": "/"}
    if token is not None:
        data["sign_in_token"] = token
    answer = client.post("/sign-in", data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "sign_in_token: expected the form&#39;s token" in answer.text
    assert SESSION_COOKIE not in client.cookies
    assert 'name="sign_in_token" value="' in answer.text  # a fresh form to sign in with
    with transaction(session_factory(web_engine)) as db:
        assert db.scalars(select(SignInAttempt)).first() is None  # not even counted


def test_a_sign_in_post_with_a_token_but_no_cookie_is_refused(client, users) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    other = TestClient(client.app)
    token = other.get("/sign-in").text.split('name="sign_in_token" value="')[1].split('"')[0]
    data = {"username": "doc", "password": PASSWORD, "next": "/", "sign_in_token": token}
    answer = client.post("/sign-in", data=data, follow_redirects=False)  # no cookie here
    assert answer.status_code == 403


def test_the_sign_in_cookie_is_strict_httponly_and_dropped_once_signed_in(client, users) -> None:  # noqa: ANN001
    page = client.get("/sign-in")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("kypho_sign_in=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/sign-in" in cookie
    users.make("physician", username="doc")
    assert sign_in_form(client, "doc", PASSWORD).status_code == 303
    assert "kypho_sign_in" not in client.cookies
