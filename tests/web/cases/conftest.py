"""Fixtures of the cases area: a fixed clinic clock, the app on either engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kypho_cases_support import EngineApp, fix_clock

from kypho.config import Settings
from kypho.store.engine import make_engine
from kypho.store.schema import upgrade
from kypho.web.app import create_app


@pytest.fixture(autouse=True)
def _fixed_clock(request: pytest.FixtureRequest) -> None:
    if "web_app" in request.fixturenames:
        fix_clock(request.getfixturevalue("web_app"))


@pytest.fixture
def engine_app(any_engine_url: str, web_settings: Settings) -> Iterator[EngineApp]:
    engine = make_engine(any_engine_url)
    upgrade(engine)
    app = create_app(web_settings, engine=engine)
    fix_clock(app)
    yield EngineApp(app, engine)
    engine.dispose()
