"""The form's save and its conflict on both engines (SQLite and PostgreSQL)."""

from __future__ import annotations

from case_form_helpers import FormReader, counts, example, stored_documents
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kypho.config import Settings
from kypho.web.app import create_app
from kypho.web.forms.values import form_values
from web.conftest import Users


def test_referral_edit_and_conflict(any_engine: Engine, web_settings: Settings, person) -> None:
    users = Users(any_engine, create_app(web_settings, engine=any_engine))
    first: TestClient = users.api("coordinator")
    second: TestClient = users.api("physician")
    made = first.post("/cases/new", data=form_values(example()) | person, follow_redirects=False)
    assert made.status_code == 303
    pk = made.headers["location"].rsplit("/", 1)[-1]
    mine = FormReader(first.get(f"/cases/{pk}/edit").text).values
    theirs = FormReader(second.get(f"/cases/{pk}/edit").text).values
    saved = second.post(
        f"/cases/{pk}/edit", data=theirs | {"patient.asa_class": "3"}, follow_redirects=False
    )
    assert saved.status_code == 303
    stale = first.post(f"/cases/{pk}/edit", data=mine | {"patient.asa_class": "4"})
    assert stale.status_code == 409
    assert [doc["patient"]["asa_class"] for doc in stored_documents(any_engine)] == [2, 3]
    assert counts(any_engine) == (1, 1, 2)
