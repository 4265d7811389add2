"""Fixtures of the web suite: a real database (SQLite file, or PostgreSQL), the app, users.

``web_db_url`` runs each test on SQLite; tests marked ``both_engines`` (or using the
``any_engine_url`` fixture) also run on PostgreSQL. PostgreSQL is skipped, saying why,
only when no server answers at ``KYPHO_TEST_POSTGRES_URL`` (default: the local one); CI
sets the variable so it never skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from kypho.config import Settings
from kypho.store.audit import SYSTEM
from kypho.store.engine import make_engine, session_factory, transaction
from kypho.store.people import create_user, issue_api_token
from kypho.store.schema import upgrade
from kypho.web.app import create_app

POSTGRES_URL = os.environ.get(
    "KYPHO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery staple 7"  # test users only; never a default in the app


def _postgres_or_skip() -> Engine:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as err:  # noqa: BLE001 (any failure to connect means: no server)
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL: no server answers at {POSTGRES_URL} ({type(err).__name__})")
    return admin


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped afterwards."""
    admin = _postgres_or_skip()
    name = f"kypho_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kypho.sqlite3'}"
    url: str = request.getfixturevalue("postgres_server_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def any_engine(any_engine_url: str) -> Iterator[Engine]:
    """An engine on a database upgraded to the latest revision, once per engine."""
    made = make_engine(any_engine_url)
    upgrade(made)
    yield made
    made.dispose()


# The engines every web test runs on (KYPHO_TEST_WEB_ENGINES, comma-separated).
WEB_ENGINES = tuple(os.environ.get("KYPHO_TEST_WEB_ENGINES", "sqlite,postgresql").split(","))


@pytest.fixture(params=WEB_ENGINES)
def web_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database for one test, once per engine in ``WEB_ENGINES``."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kypho.sqlite3'}"
    url: str = request.getfixturevalue("postgres_server_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="test-secret-" + "x" * 32)


def _engine_at(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def web_engine(web_db_url: str) -> Iterator[Engine]:
    engine = _engine_at(web_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def web_app(web_settings: Settings, web_engine: Engine):  # noqa: ANN201
    return create_app(web_settings, engine=web_engine)


@pytest.fixture
def client(web_app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(web_app) as test_client:
        yield test_client


class Users:
    """Makes users of a role and hands back API clients or tokens for them."""

    def __init__(self, engine: Engine, app) -> None:  # noqa: ANN001
        self.engine = engine
        self.app = app
        self.count = 0

    def make(self, role: str, *, username: str | None = None) -> tuple[int, str]:
        """(user id, bearer token) of a new user with ``role`` and password ``PASSWORD``."""
        self.count += 1
        name = username or f"{role}{self.count}"
        with transaction(session_factory(self.engine)) as db:
            user = create_user(db, SYSTEM, username=name, display_name=f"Test {role}",
                               role=role, password=PASSWORD)  # fmt: skip
            return user.id, issue_api_token(db, SYSTEM, user)

    def api(self, role: str) -> TestClient:
        """A client that sends a bearer token of a new ``role`` user."""
        _, token = self.make(role)
        test_client = TestClient(self.app)
        test_client.headers["Authorization"] = f"Bearer {token}"
        return test_client


@pytest.fixture
def users(web_engine: Engine, web_app) -> Users:  # noqa: ANN001
    return Users(web_engine, web_app)
