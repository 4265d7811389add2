"""Hostile text: stored exactly as typed, shown as text, never run as markup or SQL.

Every free-text field the API accepts and a page shows (patient name and MRN; a study id,
a finding's source and a follow-up complication in the case file; a save note; a
physician's override reason; a user's display name) gets a script tag, quotes and
apostrophes, and an SQL comment trick. The stored value must equal the input character
for character; the page must carry the HTML-escaped form (``markupsafe.escape``, the
escaping Jinja's autoescape applies) and never the raw ``<script>alert(1)``.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import Engine, text

from web.browser.kypho_case_bodies import case_body

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "quotes": "\"quotes' and 'apostrophes\"",
    "sql": "'; DROP TABLE cases;--",
}
RAW_SCRIPT = "<script>alert(1)"


def _hostile_case(number: int, value: str) -> dict:
    body = case_body(number, prefix="HOS", name=value, mrn=f"{value} #{number}")
    case = body["case"]
    case["imaging"][0]["study_id"] = value
    case["imaging"][0]["findings"][0]["source"] = value
    case["procedure"] = {"date": "2026-11-20", "levels": ["T11"]}
    case["follow_up"] = [{"date": "2026-11-27", "nrs": 3, "complications": [value]}]
    return body


def _assert_shown_as_text(html: str, value: str, where: str) -> None:
    assert RAW_SCRIPT not in html, f"{where}: raw script tag in the page"
    assert str(escape(value)) in html, f"{where}: the escaped text {escape(value)!s} is absent"


@pytest.fixture
def coordinator(users):  # noqa: ANN001, ANN201
    return users.api("coordinator")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_case_text_is_stored_exactly(coordinator, web_engine: Engine, kind: str) -> None:
    value = HOSTILE[kind]
    body = _hostile_case(1, value)
    created = coordinator.post("/api/cases", json=body)
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    got = coordinator.get(f"/api/cases/{pk}").json()
    assert got["patient"]["name"] == value
    assert got["patient"]["mrn"] == f"{value} #1"
    assert got["case"]["imaging"][0]["study_id"] == value
    assert got["case"]["imaging"][0]["findings"][0]["source"] == value
    assert got["case"]["follow_up"][0]["complications"] == [value]

    update = {"case": body["case"], "expected_version": 1, "note": value}
    saved = coordinator.put(f"/api/cases/{pk}", json=update)
    assert saved.status_code == 200, saved.text
    with web_engine.connect() as conn:
        note = conn.execute(
            text("SELECT note FROM case_versions WHERE case_id = :pk AND version = 2"), {"pk": pk}
        ).scalar_one()
        assert note == value
        assert conn.execute(text("SELECT COUNT(*) FROM cases")).scalar_one() == 1


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("page", ["edit form", "case page", "worklist"])
def test_hostile_case_text_is_shown_as_text(coordinator, kind: str, page: str) -> None:
    value = HOSTILE[kind]
    pk = coordinator.post("/api/cases", json=_hostile_case(2, value)).json()["id"]
    url = {"edit form": f"/cases/{pk}/edit", "case page": f"/cases/{pk}", "worklist": "/"}[page]
    answer = coordinator.get(url)
    assert answer.status_code == 200, f"GET {url}: {answer.status_code}"
    _assert_shown_as_text(answer.text, value, page)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_display_name_is_stored_exactly_and_shown_as_text(users, kind: str) -> None:
    value = HOSTILE[kind]
    admin = users.api("administrator")
    created = admin.post("/api/users",
                         json={"username": f"hostile{kind}", "display_name": value,
                               "role": "coordinator"})  # fmt: skip
    assert created.status_code == 201, created.text
    listed = {u["username"]: u for u in admin.get("/api/users").json()["items"]}
    assert listed[f"hostile{kind}"]["display_name"] == value
    page = admin.get("/admin/users")
    assert page.status_code == 200
    _assert_shown_as_text(page.text, value, "/admin/users")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_override_reason_is_stored_exactly_and_shown_as_text(users, kind: str) -> None:
    value = HOSTILE[kind]
    body = case_body(3, prefix="HOS", stem="03-chronic-t8-healed")  # not a candidate: refused
    pk = users.api("coordinator").post("/api/cases", json=body).json()["id"]
    physician = users.api("physician")
    plan = {"policy": "practice", "on": "2026-11-20"}  # the examples' dates hold then
    refused = physician.post(f"/api/cases/{pk}/plans", json=plan)
    assert refused.status_code == 201 and refused.json()["refused"], refused.text
    planned = physician.post(f"/api/cases/{pk}/plans", json=plan | {"override_reason": value})
    assert planned.status_code == 201, planned.text
    plan_id = planned.json()["id"]
    assert planned.json()["override_reason"] == value
    again = physician.get(f"/api/cases/{pk}/plans/{plan_id}").json()
    assert again["override_reason"] == value and not again["refused"]
    page = physician.get(f"/cases/{pk}/plan", params={"plan": plan_id})
    assert page.status_code == 200
    _assert_shown_as_text(page.text, value, "plan page")
