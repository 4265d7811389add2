"""Every domain error mapped, in one place, to an HTTP answer.

API requests (``/api/...``) get JSON: ``{"error": kind, "message", "field", "expected",
"found"}``; pages get the same words in an error page (a form route catches
``InvalidInput`` itself to show the message beside the field).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kypho.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from kypho.web.security.guard import (
    PASSWORD_PAGE,
    CsrfRejected,
    PasswordChangeRequired,
    Unauthenticated,
)

_SHAPE = re.compile(
    r"^(?P<field>[^:]{1,120}): .*?expected (?P<expected>.+?)[,;] (?:got|found) (?P<found>.+)$", re.S
)


def error_body(kind: str, message: str, *, field: str | None = None) -> dict[str, Any]:
    """The JSON body of a 4xx answer; ``field``/``expected``/``found`` read off the message."""
    match = _SHAPE.match(message)
    body: dict[str, Any] = {"error": kind, "message": message, "field": field,
                            "expected": None, "found": None}  # fmt: skip
    if match:
        body["field"] = field or match["field"].strip()
        body["expected"] = match["expected"].strip()
        body["found"] = match["found"].strip()
    elif field is None and ": " in message:
        body["field"] = message.split(": ", 1)[0]
    return body


def wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith("/api")
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


def _answer(request: Request, status: int, body: dict[str, Any]) -> Response:
    if wants_json(request):
        return JSONResponse(body, status_code=status)
    from kypho.web.render import render_error

    return render_error(request, status, body)


def invalid(request: Request, exc: Exception) -> Response:
    field = getattr(exc, "field", None) or None
    return _answer(request, 422, error_body("invalid_input", str(exc), field=field))


def not_found(request: Request, exc: Exception) -> Response:
    return _answer(request, 404, error_body("not_found", str(exc)))


def conflict(request: Request, exc: Exception) -> Response:
    return _answer(request, 409, error_body("conflict", str(exc)))


def forbidden(request: Request, exc: Exception) -> Response:
    return _answer(request, 403, error_body("forbidden", str(exc)))


def unavailable(request: Request, exc: Exception) -> Response:
    answer = _answer(request, 503, error_body("unavailable", str(exc)))
    answer.headers["Retry-After"] = "1"
    return answer


def csrf(request: Request, exc: Exception) -> Response:  # noqa: ARG001
    message = "csrf_token: expected this session's form token; reload the page and retry"
    return _answer(request, 403, error_body("csrf", message, field="csrf_token"))


def password_change(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        body = error_body("password_change_required", str(exc))
        return JSONResponse(body, status_code=403)
    return RedirectResponse(PASSWORD_PAGE, status_code=303)


def unauthenticated(request: Request, exc: Exception) -> Response:  # noqa: ARG001
    if wants_json(request):
        body = error_body("unauthenticated", "sign in first: expected a session or a token")
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={target}", status_code=303)


MAX_FOUND_CHARS = 80  # a wrong value is quoted this far in a 422's message (convention)


def request_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")]
    field = ".".join(loc) or None
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first.get("type") == "missing":  # the "input" is then the whole body: never echoed
        said = str(first.get("msg", ""))  # a route's own words (PydanticCustomError) or
        expected = "a value" if said in ("", "Field required") else said  # pydantic's
        message = f"{field}: expected {expected}, got none{more}"
    else:
        found = repr(first.get("input"))
        shown = found if len(found) <= MAX_FOUND_CHARS else f"{found[:MAX_FOUND_CHARS]}..."
        message = f"{field}: expected {first.get('msg', 'a valid value')}, got {shown}{more}"
    return _answer(request, 422, error_body("invalid_input", message, field=field))


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _answer(request, exc.status_code, error_body("http", str(exc.detail)))


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Response]] = {
    InvalidInput: invalid,
    NotFound: not_found,
    Conflict: conflict,
    Forbidden: forbidden,
    Unavailable: unavailable,
    PasswordChangeRequired: password_change,
    CsrfRejected: csrf,
    Unauthenticated: unauthenticated,
    RequestValidationError: request_invalid,
    StarletteHTTPException: http_error,
}


def install_error_handlers(app: FastAPI) -> None:
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
