"""The CDS Hooks routes are matched before every other route (``kypho.web.app``'s
``MATCHED_FIRST``: an EHR calls on every order signed), and that order changes no
answer: no other route of the app matches a hook path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kypho_cds_support import cds_client
from starlette.routing import Match

from kypho.web.app import route_table
from kypho.web.pages import cds_hooks

HOOK_PATHS = ("/cds-services", "/cds-services/kypho-order-sign",
              "/cds-services/kypho-order-sign/feedback", "/cds-services/other")  # fmt: skip


def test_the_hook_routes_come_first_and_no_other_route_takes_a_hook_path(tmp_path: Path) -> None:
    with cds_client(tmp_path, date(2026, 12, 3)) as client:
        app = client.app
        assert app.state.included_routers[0][1] is cds_hooks.router  # type: ignore[attr-defined]
        ours = {id(r) for r in cds_hooks.router.routes}
        call = {"type": "http", "path": HOOK_PATHS[1], "method": "POST"}
        assert any(r.matches(call)[0] is Match.FULL for r in cds_hooks.router.routes)  # the probe
        others = [e for e in route_table(app) if id(e.route) not in ours]  # type: ignore[arg-type]
        assert len(others) > 50  # the whole app: pages and API
        for entry in others:
            for path in HOOK_PATHS:
                for method in entry.methods:
                    scope = {"type": "http", "path": path, "method": method}
                    match, _ = entry.route.matches(scope)  # unprefixed: stricter still
                    assert match is Match.NONE, (entry.path, path, method)
        for path in HOOK_PATHS[1:]:  # and each hook path is answered by a hook route
            assert client.post(path, json={}).headers["content-type"] == "application/json"
