"""Server-rendered pages: Jinja templates with the signed-in user and the CSRF token.

Templates live in ``kypho/web/templates/<area>/``; every page extends ``base.html``.
Autoescaping is on: hostile text is shown as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.auto_reload = False  # the templates ship with the code: no stat per render


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


def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
    return render(request, "error.html", {"status": status, "error": body}, status=status)
