"""The plan, its consent and the print view on both engines (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib

import pytest

ASSESSED_ON = "2026-11-20"  # EX-01 is a candidate then (see test_web_plan_page)


@pytest.fixture
def web_db_url(any_engine_url: str) -> str:
    return any_engine_url


def test_plan_consent_and_print_view_on_each_engine(users, store_example) -> None:  # noqa: ANN001
    pk = store_example("01-acute-l1-worsening-candidate.json")
    physician = users.api("physician")
    plan = physician.post(f"/api/cases/{pk}/plans", json={"on": ASSESSED_ON}).json()
    assert plan["refused"] is False
    body = {"plan_id": plan["id"], "kind": "consent"}
    made = physician.post(f"/api/cases/{pk}/documents", json=body)
    assert made.status_code == 201, made.text
    pdf = next(d for d in made.json()["items"] if d["media_type"] == "application/pdf")
    got = physician.get(pdf["url"])
    assert got.content.startswith(b"%PDF")
    assert hashlib.sha256(got.content).hexdigest() == pdf["sha256"]
    printed = physician.get(f"/cases/{pk}/documents/{pdf['id']}/print")
    assert printed.status_code == 200 and "Consent for balloon kyphoplasty" in printed.text
    signed = physician.post(f"/api/cases/{pk}/plans/{plan['id']}/sign")
    assert signed.status_code == 200 and signed.json()["signed_at"] is not None
