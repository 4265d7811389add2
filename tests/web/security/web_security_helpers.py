"""Helpers of the security and admin tests: sign in through the real form, read tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kypho.store.engine import session_factory, transaction
from kypho.store.models import User, WebSession
from kypho.web.security.authenticate import SESSION_COOKIE
from kypho.web.security.tokens import digest

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


_SIGN_IN_TOKEN = re.compile(r'name="sign_in_token" value="([^"]+)"')


def sign_in_token(client: TestClient) -> str:
    """The sign-in form's token, read off the page (which also sets its cookie)."""
    found = _SIGN_IN_TOKEN.search(client.get("/sign-in").text)
    assert found is not None, "the sign-in page has no sign_in_token field"
    return found.group(1)


def sign_in_form(client: TestClient, username: str, password: str, *, next_path: str = "/"):  # noqa: ANN201
    """Open the sign-in page and POST its form as a browser would (no redirect followed)."""
    data = {"username": username, "password": password, "next": next_path,
            "sign_in_token": sign_in_token(client)}  # fmt: skip
    return client.post("/sign-in", data=data, follow_redirects=False)


def signed_in(client: TestClient, username: str, password: str) -> str:
    """Sign ``client`` in through the form; returns the session cookie's value."""
    answer = sign_in_form(client, username, password)
    assert answer.status_code == 303, answer.text
    return client.cookies[SESSION_COOKIE]


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, read off the password page's form."""
    page = client.get("/account/password", follow_redirects=False)
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found, "the password page has no csrf_token field"
    return found.group(1)


def change_session(engine: Engine, cookie: str, change: Callable[[WebSession], Any]) -> None:
    """Edit the session row a cookie names (to move its clock), committed."""
    with transaction(session_factory(engine)) as db:
        row = db.query(WebSession).filter_by(token_sha256=digest(cookie)).one()
        change(row)


def session_row(engine: Engine, cookie: str) -> WebSession:
    with transaction(session_factory(engine)) as db:
        return db.query(WebSession).filter_by(token_sha256=digest(cookie)).one()


def user_row(engine: Engine, username: str) -> User:
    with transaction(session_factory(engine)) as db:
        return db.query(User).filter_by(username=username).one()


def change_user(engine: Engine, username: str, change: Callable[[User], Any]) -> None:
    with transaction(session_factory(engine)) as db:
        change(db.query(User).filter_by(username=username).one())
