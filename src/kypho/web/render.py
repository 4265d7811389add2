"""Server-rendered pages: Jinja templates with the signed-in user and the CSRF token.

Templates live in ``kypho/web/templates/<area>/``; every page extends ``base.html``.
Autoescaping is on: hostile text is shown as text.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse, Response

from kypho.store.audit import Actor
from kypho.store.base import utc_minute, zone_minute

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.auto_reload = False  # the templates ship with the code: no stat per render
TEMPLATES.env.filters["utc_minute"] = utc_minute  # every stored time a page shows
TEMPLATES.env.filters["zone_minute"] = zone_minute  # ... or in the clinic's zone


def csrf_field(request: Request) -> Markup:
    token = getattr(request.state, "csrf_token", "")
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(token)}">')


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> Response:
    """Render ``template`` with ``actor``, ``csrf_field`` and ``settings`` always present."""
    full = {
        "actor": getattr(request.state, "actor", None),
        "csrf_field": lambda: csrf_field(request),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "settings": request.app.state.settings,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, full, status_code=status)


# Stand-ins for a request's own bits in a page kept for reuse (``render_shared``): random
# per process, so no stored text can hold one (128 bits each).
_CSRF_MARK = f"kypho-csrf-{secrets.token_hex(16)}"
_USER_MARK = f"kypho-user-{secrets.token_hex(16)}"


def render_shared(request: Request, template: str, context: dict[str, Any]) -> str:
    """``template`` as every user of the request's role sees it: the CSRF token and the
    user name are stand-ins that ``fill`` puts in per request, so the text may be kept and
    reused for another request of the same role (the page's own key says when)."""
    actor = getattr(request.state, "actor", None)
    shown = replace(actor, username=_USER_MARK) if isinstance(actor, Actor) else None
    field = Markup(f'<input type="hidden" name="csrf_token" value="{_CSRF_MARK}">')
    full = {
        "actor": shown,
        "csrf_field": lambda: field,
        "csrf_token": _CSRF_MARK,
        "settings": request.app.state.settings,
        **context,
    }
    return TEMPLATES.get_template(template).render(full)


def fill(request: Request, shared: str, *, status: int = 200) -> Response:
    """A ``render_shared`` text with this request's CSRF token and user name put in."""
    actor = getattr(request.state, "actor", None)
    token = str(escape(getattr(request.state, "csrf_token", "")))
    user = str(escape(actor.username)) if isinstance(actor, Actor) else ""
    body = shared.replace(_CSRF_MARK, token).replace(_USER_MARK, user)
    return HTMLResponse(body, status_code=status)


def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
    return render(request, "error.html", {"status": status, "error": body}, status=status)
