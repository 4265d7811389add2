"""Who is asking: a bearer token (API) or a session cookie (pages), or nobody.

A cookie counts only while its session is live (not signed out, not idle longer than
``settings.session_idle_minutes``, not older than ``settings.session_max_hours``); each
request it makes moves ``last_seen_at``. Callers use ``authenticate`` and ``SESSION_COOKIE``.

From where: ``client_ip`` is the address audit rows and sign-in throttling record. It is
the direct peer's, unless that peer is a proxy in ``settings.trusted_proxies``
(``KYPHO_TRUSTED_PROXIES``): then it is the right-most address in ``X-Forwarded-For`` that
is not itself a trusted proxy (each proxy appends the address it saw, so the entries left
of it are only the client's word). An untrusted peer's header is never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from ipaddress import IPv4Address, IPv6Address, ip_address

from fastapi import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kypho.config import IpNetwork, Settings, proxy_networks
from kypho.store.audit import Actor
from kypho.store.base import utcnow
from kypho.store.models import ApiToken, User, WebSession
from kypho.store.row_memo import read_rows
from kypho.store.write_gate import touch, touch_row
from kypho.web.security.sessions import SessionState, find_session, state_of
from kypho.web.security.tokens import digest

SESSION_COOKIE = "kypho_session"
# How stale last_used_at / last_seen_at may get (project convention): the idle time-out
# counts in minutes, and on SQLite each such write takes the database's one write lock.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    actor: Actor
    session: WebSession | None  # None: a bearer token (no cookie, so no CSRF check)
    must_change_password: bool = False  # only OWN_ACCOUNT routes answer until it is changed


def _address(text: str) -> IPv4Address | IPv6Address | None:
    """``text`` as an address (an IPv4-mapped IPv6 one as IPv4), or None if it is none."""
    try:
        found = ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: IPv4Address | IPv6Address, networks: tuple[IpNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def forwarded_client(peer: str, forwarded_for: list[str], networks: tuple[IpNetwork, ...]) -> str:
    """The client's address: ``peer``, or if it is a trusted proxy, the right-most address
    in the ``X-Forwarded-For`` values that is not (one a trusted proxy wrote before it)."""
    nearest = _address(peer)
    if nearest is None or not _trusted(nearest, networks):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not written by a trusted proxy: the last one's word stands
            break
        nearest = address
        if not _trusted(address, networks):
            break
    return str(nearest)


def client_ip(request: Request) -> str | None:
    """Where the request came from, for the audit trail and throttling (see the module)."""
    if request.client is None:
        return None
    settings: Settings = request.app.state.settings
    networks = proxy_networks(settings.trusted_proxies)
    if not networks:
        return request.client.host
    return forwarded_client(request.client.host, request.headers.getlist("x-forwarded-for"),
                            networks)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class _TokenUser:
    """The columns of a user that ``authenticate`` reads (an API token's)."""

    id: int
    username: str
    role: str
    active: bool
    must_change_password: bool


# Built once, read with Core: the ORM's two entities were most of a request's sign-in cost
# (measured, ``bench/bench_web.py``). Every request reads the row again: a revoked token
# or a changed role counts at once, whatever process made the change.
_TOKEN_USER = (
    select(ApiToken.id, ApiToken.last_used_at, User.id, User.username, User.role, User.active,
           User.must_change_password)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_sha256 == bindparam("digest"), ApiToken.revoked_at.is_(None))
)  # fmt: skip


def _from_token(db: Session, token: str) -> _TokenUser | None:
    """The user of a live API token (one query: the token and its user)."""
    found = read_rows(db, _TOKEN_USER, {"digest": digest(token)}).first()
    if found is None:
        return None
    token_id, last_used_at, user_id, username, role, active, must_change = found
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOUCH_EVERY:
        touch_row(db, ApiToken, token_id, last_used_at=now)
    return _TokenUser(id=user_id, username=username, role=role, active=bool(active),
                      must_change_password=bool(must_change))  # fmt: skip


def live_session(db: Session, settings: Settings, token: str) -> WebSession | None:
    """The session ``token`` names if it is live, its ``last_seen_at`` moved to now."""
    now = utcnow()
    session = find_session(db, token)
    if session is None or state_of(session, settings, now=now) is not SessionState.LIVE:
        return None
    if now - session.last_seen_at > TOUCH_EVERY:
        touch(db, session, last_seen_at=now)
    return session


def authenticate(request: Request, db: Session) -> Identity | None:
    settings: Settings = request.app.state.settings
    user: User | _TokenUser | None = None
    session: WebSession | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = _from_token(db, header[7:].strip())
    elif cookie := request.cookies.get(SESSION_COOKIE):
        session = live_session(db, settings, cookie)
        if session is not None:
            user = db.get(User, session.user_id)
    if user is None or not user.active:
        return None
    actor = Actor(user_id=user.id, username=user.username, role=user.role, ip=client_ip(request))
    return Identity(
        actor=actor, session=session, must_change_password=bool(user.must_change_password)
    )
