"""Keyboard and labels in a real browser: sign-in by Tab and Enter only; every input labelled.

WCAG 2.2 success criteria 2.1.1 (Keyboard: all functionality operable through a keyboard)
and 1.3.1 / 4.1.2 (Info and Relationships; Name, Role, Value: a form control has an
accessible name). Run at 1280 x 800 and on a tablet (768 x 1024 CSS pixels).
"""

from __future__ import annotations

import pytest

from web.browser.kypho_browser import DESKTOP, TABLET, Screenshots, sign_in
from web.browser.kypho_live_server import SeededUser

MAX_TABS = 25  # more Tab presses than the sign-in page has focusable things

# An input's accessible name: a <label for>, a wrapping <label>, aria-label, or
# aria-labelledby naming an element with text (the accessible-name computation, in short).
UNLABELLED_INPUTS_JS = """
() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => {
    const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const wrapped = el.closest('label');
    const aria = (el.getAttribute('aria-label') || '').trim();
    const byIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some(id => (document.getElementById(id)?.textContent || '').trim());
    const text = l => l && l.textContent.trim();
    return !(text(byFor) || text(wrapped) || aria || byIds);
  })
  .map(el => el.outerHTML.slice(0, 160))
"""


def _focused_id(page) -> str:  # noqa: ANN001
    return str(page.evaluate("() => document.activeElement?.id || ''"))


def _tab_to(page, element_id: str) -> None:  # noqa: ANN001
    for _ in range(MAX_TABS):
        if _focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"#{element_id} not reached with {MAX_TABS} Tab presses")


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1280", "tablet"])
def test_sign_in_with_tab_and_enter_only(
    playwright_browser, live_server: str, live_users: dict[str, SeededUser],
    screenshots: Screenshots, viewport: dict[str, int],
) -> None:  # fmt: skip
    user = live_users["coordinator"]
    context = playwright_browser.new_context(viewport=viewport, base_url=live_server)
    page = context.new_page()
    page.goto("/sign-in")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    screenshots.take(page, f"sign-in-{viewport['width']}")
    _tab_to(page, "username")
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    assert _focused_id(page) == "password", "Tab from the username goes to the password"
    page.keyboard.type(user.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not page.url.split("?")[0].endswith("/sign-in"), page.content()[:2000]
    cookie = {c["name"]: c for c in context.cookies()}["kypho_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] in ("Lax", "Strict")
    screenshots.take(page, f"after-sign-in-{viewport['width']}")
    page.goto("/account/password")  # a page behind the guard: the session is good
    assert page.url.endswith("/account/password")
    assert user.username in page.inner_text("header"), "the page names who is signed in"
    context.close()


def test_sign_in_page_inputs_are_labelled(playwright_browser, live_server: str) -> None:
    page = playwright_browser.new_page(viewport=DESKTOP, base_url=live_server)
    page.goto("/sign-in")
    assert page.evaluate(UNLABELLED_INPUTS_JS) == []
    page.close()


def test_case_form_inputs_are_labelled(
    playwright_browser, live_server: str, live_users: dict[str, SeededUser],
    screenshots: Screenshots,
) -> None:  # fmt: skip
    context = playwright_browser.new_context(viewport=DESKTOP, base_url=live_server)
    page = sign_in(context, live_users["coordinator"])
    answer = page.goto("/cases/new")
    assert answer is not None and answer.status == 200, "GET /cases/new (the case form)"
    inputs = page.locator("input:not([type=hidden])").count()
    assert inputs > 10, f"the case form shows {inputs} inputs"
    assert page.evaluate(UNLABELLED_INPUTS_JS) == []
    screenshots.take(page, "case-form-labels")
    context.close()
