"""Browser helpers: Debian's Chromium, the two viewports, screenshots, signing in.

Chromium is ``/usr/bin/chromium`` (Debian's package). Screenshots go to
``web-artifacts/screenshots/`` at the repository root (``KYPHO_WEB_ARTIFACTS`` overrides
the folder), numbered in the order the pages were visited: ``NN-name.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from web.browser.kypho_live_server import SeededUser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}  # a tablet held upright, in CSS pixels
REPO = Path(__file__).resolve().parents[3]


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("KYPHO_WEB_ARTIFACTS") or REPO / "web-artifacts")
    shots = folder / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


class Screenshots:
    """Saves a full-page screenshot of every page visited as ``NN-name.png``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saved: list[Path] = []

    def take(self, page, name: str) -> Path:  # noqa: ANN001 (a playwright Page)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{len(self.saved) + 1:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)
        return path


def sign_in(context, user: SeededUser):  # noqa: ANN001, ANN201 (playwright types)
    """A new page of ``context`` signed in as ``user`` through the sign-in form."""
    page = context.new_page()
    page.goto("/sign-in")
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    with page.expect_navigation():
        page.click("form.sign-in button[type=submit]")
    if page.url.split("?")[0].endswith("/sign-in"):
        raise AssertionError(f"sign-in as {user.username} refused: {page.inner_text('main')}")
    return page


def horizontal_overflow_px(page) -> int:  # noqa: ANN001
    """How far the page is wider than the window (0: no sideways scrolling)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))
