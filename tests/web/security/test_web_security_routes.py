"""Every route of the app is guarded, and the guard answers as the role matrix says.

The routes are read from the app itself (``web_app.routes``), so a route added by any
area is checked without editing this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter, iter_route_contexts
from fastapi.testclient import TestClient

from kypho.web.security.guard import PUBLIC_PATHS, require
from kypho.web.security.roles import MATRIX, Permission, Role
from web.conftest import PASSWORD
from web.security.web_security_helpers import csrf_of, signed_in


def _permissions(dependant: Dependant) -> Iterator[Permission]:
    for sub in dependant.dependencies:
        if sub.call is not None and hasattr(sub.call, "kypho_permission"):
            yield sub.call.kypho_permission
        yield from _permissions(sub)


def _cds_client_guarded(dependant: Dependant) -> bool:
    """Guarded by the CDS client's JWT (``kypho.web.pages.cds_hooks.cds_client``)."""
    return any(getattr(sub.call, "kypho_cds_client", False) or _cds_client_guarded(sub)
               for sub in dependant.dependencies)  # fmt: skip


def api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], Dependant]]:
    """(full path, methods, dependant) of every API route, included routers flattened.

    FastAPI keeps an included router as one entry of ``app.routes``; ``iter_route_contexts``
    (what the OpenAPI builder reads) gives each route with its prefix and the router's
    dependencies.
    """
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context.path or "", set(context.methods or ()), context.dependant


def unguarded_routes(app: FastAPI) -> list[str]:
    """``METHOD path`` of every API route that is neither public nor guarded."""
    return [
        f"{','.join(sorted(methods))} {path}"
        for path, methods, dependant in api_routes(app)
        if path not in PUBLIC_PATHS
        and not list(_permissions(dependant))
        and not _cds_client_guarded(dependant)
    ]


def guarded_routes(app: FastAPI) -> list[tuple[str, str, Permission]]:
    """(method, path with parameters filled with 1, permission) of every guarded route."""
    found = []
    for route_path, methods, dependant in api_routes(app):
        permissions = list(_permissions(dependant))
        if not permissions:
            continue
        path = re.sub(r"\{[^}]+\}", "1", route_path)
        found += [(method, path, permissions[0]) for method in sorted(methods - {"HEAD"})]
    return found


def test_every_route_of_the_app_is_public_or_guarded(web_app: FastAPI) -> None:
    assert unguarded_routes(web_app) == []
    paths = {path for _, path, _ in guarded_routes(web_app)}
    assert {"/admin/users", "/admin/audit", "/api/me", "/account/password"} <= paths


def test_the_check_fails_on_a_new_unguarded_route() -> None:
    app = FastAPI()

    @app.get("/cases/{case_pk}/leak")
    def leak(case_pk: int) -> dict[str, int]:
        return {"case": case_pk}

    @app.get("/cases/{case_pk}/fine")
    def fine(case_pk: int, actor: object = Depends(require(Permission.READ_PATIENT_DATA))) -> None:
        return None

    @app.get("/health")
    def health() -> None:
        return None

    guarded_router = APIRouter(dependencies=[Depends(require(Permission.SCHEDULE))])
    open_router = APIRouter()

    @guarded_router.get("/rooms")
    def rooms() -> None:
        return None

    @open_router.post("/rooms/{room_id}")
    def book(room_id: int) -> None:
        return None

    app.include_router(guarded_router, prefix="/api")
    app.include_router(open_router, prefix="/api")
    assert unguarded_routes(app) == ["GET /cases/{case_pk}/leak", "POST /api/rooms/{room_id}"]
    assert ("GET", "/api/rooms", Permission.SCHEDULE) in guarded_routes(app)


def _lacking(permission: Permission) -> Role | None:
    return next((role for role in Role if role not in MATRIX[permission]), None)


def test_anonymous_requests_are_refused_everywhere(web_app: FastAPI) -> None:
    anonymous = TestClient(web_app)
    for method, path, _ in guarded_routes(web_app):
        answer = anonymous.request(method, path, follow_redirects=False)
        if path.startswith("/api"):
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["error"] == "unauthenticated"
        else:
            assert answer.status_code == 303, (method, path, answer.text)
            assert answer.headers["location"].startswith("/sign-in?next=/"), (method, path)


@pytest.fixture
def clients_by_role(web_app: FastAPI, users) -> dict[Role, tuple[TestClient, TestClient, str]]:  # noqa: ANN001
    """Per role: (API client with a bearer token, signed-in page client, its CSRF token)."""
    clients = {}
    for role in Role:
        _, token = users.make(role.value, username=f"matrix-{role.value}")
        api = TestClient(web_app)
        api.headers["Authorization"] = f"Bearer {token}"
        pages = TestClient(web_app)
        signed_in(pages, f"matrix-{role.value}", PASSWORD)
        clients[role] = (api, pages, csrf_of(pages))
    return clients


def test_a_role_without_the_permission_gets_403_everywhere(
    web_app: FastAPI, clients_by_role
) -> None:  # noqa: ANN001
    checked = 0
    for method, path, permission in guarded_routes(web_app):
        role = _lacking(permission)
        if role is None:  # every role has it (one's own account)
            continue
        api, pages, csrf = clients_by_role[role]
        if path.startswith("/api"):
            answer = api.request(method, path, follow_redirects=False)
        else:  # the CSRF token is right, so the role check is what answers
            answer = pages.request(method, path, headers={"X-CSRF-Token": csrf},
                                   follow_redirects=False)  # fmt: skip
        assert answer.status_code == 403, (method, path, role, answer.text[:300])
        checked += 1
    assert checked >= 10  # the admin pages and API alone give more


def test_a_role_with_the_permission_passes_the_guard(clients_by_role) -> None:  # noqa: ANN001
    api, pages, _ = clients_by_role[Role.ADMINISTRATOR]
    assert api.get("/api/users").status_code == 200
    assert pages.get("/admin/audit", follow_redirects=False).status_code == 200
    physician_api, _, _ = clients_by_role[Role.PHYSICIAN]
    assert physician_api.get("/api/me").json()["role"] == "physician"
