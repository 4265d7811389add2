"""Fixtures of the browser tests: a live server per module, Debian's Chromium, screenshots.

Without ``/usr/bin/chromium`` the tests are skipped, saying why, unless ``CI`` is set,
where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from web.browser.kypho_browser import CHROMIUM, CHROMIUM_ARGS, Screenshots, artifacts_dir
from web.browser.kypho_live_server import LiveServer, SeededUser, seed_users


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"Chromium: {CHROMIUM} is absent (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("live")
    return f"sqlite:///{folder / 'kypho.sqlite3'}", folder


@pytest.fixture(scope="module")
def live_users(live_db: tuple[str, Path]) -> dict[str, SeededUser]:
    return seed_users(live_db[0])


@pytest.fixture(scope="module")
def live_server(live_db: tuple[str, Path], live_users: dict[str, SeededUser]) -> Iterator[str]:
    url, folder = live_db
    server = LiveServer(db_url=url, data_dir=folder / "data", log_path=folder / "server.log")
    with server:
        yield server.url
    assert server.process is not None
    if server.process.returncode not in (0, -15):  # -15: ended by our SIGTERM
        pytest.fail(f"server ended badly ({server.process.returncode}): {server.log_tail()}")


@pytest.fixture(scope="session")
def screenshots() -> Screenshots:
    """This run's screenshots only: the last run's are removed first."""
    folder = artifacts_dir()
    for old in folder.glob("[0-9][0-9]-*.png"):
        old.unlink()
    return Screenshots(folder)
