"""Kept pages (the case page and the worklist reuse what they rendered) are never stale.

A change made behind the app's back, as another process on the same database would make
it (plain SQL through the engine), shows on the next read; each reader gets its own user
name, role's links and CSRF token; every read is still audited, one row per request.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from kypho_cases_support import body, example
from sqlalchemy import Engine, func, select, text

from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent

NEW_REFERRAL = "05-new-referral-radiograph-only"


def _audited(engine: Engine, action: str, record_id: str) -> int:
    with session_factory(engine)() as db:
        query = select(func.count()).select_from(AuditEvent)
        return int(db.scalar(query.where(AuditEvent.action == action,
                                         AuditEvent.record_id == record_id)) or 0)  # fmt: skip


def _rename(engine: Engine, pk: int, name: str) -> None:
    """Another process's change: plain SQL, no app code."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE patients SET name = :name WHERE id = "
                 "(SELECT patient_id FROM cases WHERE id = :pk)"), {"name": name, "pk": pk},
        )  # fmt: skip


def test_case_page_shows_changes_made_elsewhere(users, web_engine) -> None:  # noqa: ANN001
    coordinator = users.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    reader = users.api("physician")
    first, again = reader.get(f"/cases/{pk}"), reader.get(f"/cases/{pk}")
    assert first.status_code == again.status_code == 200
    assert "Testpatient Number5" in again.text
    _rename(web_engine, pk, "Renamed Elsewhere")
    renamed = reader.get(f"/cases/{pk}").text
    assert "Renamed Elsewhere" in renamed
    assert "Testpatient Number5" not in renamed
    case = coordinator.get(f"/api/cases/{pk}").json()
    saved = coordinator.put(f"/api/cases/{pk}", json={"case": example(NEW_REFERRAL),
                                                     "expected_version": case["version"],
                                                     "note": "second"})  # fmt: skip
    assert saved.status_code == 200, saved.text
    page = reader.get(f"/cases/{pk}").text
    assert "<dt>Version</dt><dd>2</dd>" in page
    assert "<td>second</td>" in page
    assert _audited(web_engine, "read", str(pk)) == 4 + 1  # 4 pages, the API read


def test_each_reader_gets_its_own_name_links_and_token(users, web_app) -> None:  # noqa: ANN001
    from web.conftest import PASSWORD  # the test users' password
    from web.security.web_security_helpers import sign_in_form

    pk = users.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    users.make("coordinator", username="first")
    users.make("coordinator", username="second")
    users.make("read_only", username="third")
    pages = {}
    for name in ("first", "second", "third"):
        client = TestClient(web_app)
        assert sign_in_form(client, name, PASSWORD).status_code == 303
        pages[name] = client.get(f"/cases/{pk}").text
        token = client.get("/account/password").text
        sent = re.search(r'name="csrf_token" value="([^"]+)"', token)
        assert sent is not None
        assert f'name="csrf_token" value="{sent[1]}"' in pages[name]  # its own token
        assert f'<span class="who">{name} (' in pages[name]
        for other in {"first", "second", "third"} - {name}:
            assert f'<span class="who">{other} (' not in pages[name]
    assert 'href="/cases/' + str(pk) + '/edit"' in pages["second"]
    assert 'href="/cases/' + str(pk) + '/edit"' not in pages["third"]
    assert "Re-assess now" not in pages["third"]
    for page in pages.values():
        assert "kypho-csrf-" not in page
        assert "kypho-user-" not in page


def test_worklist_shows_changes_made_elsewhere(users, web_engine) -> None:  # noqa: ANN001
    pk = users.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    reader = users.api("read_only")
    assert "Testpatient Number5" in reader.get("/").text
    assert "Testpatient Number5" in reader.get("/").text
    _rename(web_engine, pk, "Renamed Elsewhere")
    page = reader.get("/").text
    assert "Renamed Elsewhere" in page
    assert "Testpatient Number5" not in page
    assert _audited(web_engine, "list", "worklist") == 3


def test_a_second_read_of_an_unchanged_case_is_served_from_the_kept_page(
    users, web_engine, monkeypatch
) -> None:  # noqa: ANN001
    """The kept page's key, as the request reads it, must be the key it was stored under
    (a patient column added to one and not the other made every read a full render)."""
    from kypho.web.pages import case_page

    renders: list[int] = []
    real = case_page._render
    monkeypatch.setattr(case_page, "_render", lambda *a, **k: renders.append(1) or real(*a, **k))
    pk = users.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    reader = users.api("physician")
    pages = [reader.get(f"/cases/{pk}") for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert len(renders) == 1
    _rename(web_engine, pk, "Renamed Elsewhere")
    assert "Renamed Elsewhere" in reader.get(f"/cases/{pk}").text
    assert len(renders) == 2  # a change shown: rendered again
