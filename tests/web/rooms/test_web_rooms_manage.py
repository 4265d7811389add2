"""Rooms: who may manage them, unique names, hostile names kept intact and shown escaped."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, Room
from web.conftest import PASSWORD
from web.security.web_security_helpers import signed_in

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HOSTILE = [
    "<script>alert(1)</script>",
    "'; DROP TABLE rooms;--",
    'Room "B" & <b>co</b>',
    "Salle d'opération 2 — ü",
]


def _rooms(engine: Engine) -> dict[str, int]:
    with transaction(session_factory(engine)) as db:
        return {room.name: room.id for room in db.scalars(select(Room))}


def _room_events(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(session_factory(engine)) as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.record_type == "room"))
        return [(e.action, e.record_id, e.detail) for e in rows]


@pytest.fixture
def coordinator(client: TestClient, users) -> tuple[TestClient, str]:  # noqa: ANN001
    """A coordinator signed in through /sign-in, and the CSRF token read off the rooms form."""
    users.make("coordinator", username="coord")
    signed_in(client, "coord", PASSWORD)
    page = client.get("/admin/rooms")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found, "the rooms page has no csrf_token field"
    return client, found.group(1)


def _add(browser: tuple[TestClient, str], name: str):  # noqa: ANN202
    session, csrf = browser
    return session.post(
        "/admin/rooms", data={"csrf_token": csrf, "name": name}, follow_redirects=False
    )


@pytest.mark.parametrize("role", ["coordinator", "administrator"])
def test_coordinators_and_administrators_may_manage_rooms(users, web_engine, role) -> None:  # noqa: ANN001
    api = users.api(role)
    assert api.get("/admin/rooms").status_code == 200
    made = api.post("/api/rooms", json={"name": "Procedure room 1"})
    assert made.status_code == 201, made.text
    room_id = made.json()["id"]
    renamed = api.put(f"/api/rooms/{room_id}", json={"name": "Procedure room 2"})
    assert renamed.json() == {"id": room_id, "name": "Procedure room 2"}
    page = api.post("/admin/rooms", data={"name": "Consult room A"}, follow_redirects=False)
    assert page.status_code == 303
    assert set(_rooms(web_engine)) == {"Procedure room 2", "Consult room A"}


@pytest.mark.parametrize("role", ["physician", "radiologist", "read_only"])
def test_other_roles_may_not_manage_rooms(users, web_engine, role) -> None:  # noqa: ANN001
    api = users.api(role)
    with transaction(session_factory(web_engine)) as db:
        db.add(Room(name="Procedure room 1"))
    room_id = _rooms(web_engine)["Procedure room 1"]
    answers = [
        api.get("/admin/rooms"),
        api.post("/admin/rooms", data={"name": "Sneaky"}),
        api.post(f"/admin/rooms/{room_id}", data={"name": "Sneaky"}),
        api.post("/api/rooms", json={"name": "Sneaky"}),
        api.put(f"/api/rooms/{room_id}", json={"name": "Sneaky"}),
    ]
    assert [a.status_code for a in answers] == [403] * 5
    assert set(_rooms(web_engine)) == {"Procedure room 1"}
    assert api.get("/api/rooms").json() == {"items": [{"id": room_id, "name": "Procedure room 1"}]}


def test_anonymous_callers_are_sent_to_sign_in_or_refused(client: TestClient) -> None:
    page = client.get("/admin/rooms", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/admin/rooms"
    form = client.post("/admin/rooms", data={"name": "x"}, follow_redirects=False)
    assert form.status_code == 303
    assert client.get("/api/rooms").status_code == 401
    assert client.post("/api/rooms", json={"name": "x"}).status_code == 401


def test_listing_rooms_needs_read_access_which_administrators_lack(users) -> None:  # noqa: ANN001
    assert users.api("physician").get("/api/rooms").status_code == 200
    assert users.api("administrator").get("/api/rooms").status_code == 403


def test_a_signed_in_coordinator_adds_a_room_and_it_is_audited(coordinator, web_engine) -> None:  # noqa: ANN001
    answer = _add(coordinator, "  Procedure room 1 ")
    assert answer.status_code == 303
    room_id = _rooms(web_engine)["Procedure room 1"]  # surrounding spaces dropped
    assert answer.headers["location"] == f"/admin/rooms?changed={room_id}"
    assert "Procedure room 1" in coordinator[0].get(answer.headers["location"]).text
    assert _room_events(web_engine) == [("create", str(room_id), "")]


def test_a_form_post_without_the_csrf_token_is_refused(coordinator, web_engine) -> None:  # noqa: ANN001
    session, _ = coordinator
    answer = session.post("/admin/rooms", data={"name": "No token"}, follow_redirects=False)
    assert answer.status_code == 403
    assert _rooms(web_engine) == {}


@pytest.mark.parametrize("again", ["Procedure room 1", "procedure ROOM 1", " Procedure  room 1"])
def test_a_duplicate_name_is_refused_beside_the_field_keeping_the_input(
    coordinator, web_engine, again: str
) -> None:  # noqa: ANN001
    assert _add(coordinator, "Procedure room 1").status_code == 303
    answer = _add(coordinator, again)
    assert answer.status_code == 422
    assert 'id="room-new-name-error">expected a name no other room has' in answer.text
    assert f'value="{html.escape(again)}"' in answer.text
    assert 'aria-describedby="room-new-name-error"' in answer.text
    assert list(_rooms(web_engine)) == ["Procedure room 1"]


def test_the_api_refuses_a_duplicate_naming_the_field(users, web_engine) -> None:  # noqa: ANN001
    api = users.api("coordinator")
    assert api.post("/api/rooms", json={"name": "Consult room A"}).status_code == 201
    again = api.post("/api/rooms", json={"name": "consult room a"})
    assert again.status_code == 422
    assert again.json()["field"] == "name"
    assert again.json()["expected"] == "a name no other room has"
    assert len(_rooms(web_engine)) == 1


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_name_is_refused_beside_the_field(coordinator, web_engine, blank: str) -> None:  # noqa: ANN001
    answer = _add(coordinator, blank)
    assert answer.status_code == 422
    assert 'id="room-new-name-error">expected 1 to 100 characters, got 0' in answer.text
    assert _rooms(web_engine) == {}


def test_a_name_of_100_characters_is_kept_and_101_refused(users, web_engine) -> None:  # noqa: ANN001
    api = users.api("coordinator")
    assert api.post("/api/rooms", json={"name": "r" * 100}).status_code == 201  # rooms.name width
    too_long = api.post("/api/rooms", json={"name": "s" * 101})
    assert too_long.status_code == 422 and too_long.json()["found"] == "101"
    assert list(_rooms(web_engine)) == ["r" * 100]


def test_a_control_character_is_refused(users) -> None:  # noqa: ANN001
    answer = users.api("coordinator").post("/api/rooms", json={"name": "Room\x001"})
    assert answer.status_code == 422 and answer.json()["field"] == "name"


def test_renaming_is_stored_and_audited_with_the_field_name_only(coordinator, web_engine) -> None:  # noqa: ANN001
    _add(coordinator, "Procedure room 1")
    room_id = _rooms(web_engine)["Procedure room 1"]
    session, csrf = coordinator
    answer = session.post(f"/admin/rooms/{room_id}", data={"csrf_token": csrf, "name": "Hybrid OR"},
                          follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert _rooms(web_engine) == {"Hybrid OR": room_id}
    assert _room_events(web_engine)[-1] == ("update", str(room_id), "fields name")
    same = session.post(f"/admin/rooms/{room_id}", data={"csrf_token": csrf, "name": "Hybrid OR"},
                        follow_redirects=False)  # fmt: skip
    assert same.status_code == 303
    assert len(_room_events(web_engine)) == 2  # the same name again records nothing


def test_renaming_to_another_rooms_name_is_refused_beside_that_row(coordinator, web_engine) -> None:  # noqa: ANN001
    _add(coordinator, "Procedure room 1")
    _add(coordinator, "Consult room A")
    room_id = _rooms(web_engine)["Consult room A"]
    session, csrf = coordinator
    answer = session.post(f"/admin/rooms/{room_id}",
                          data={"csrf_token": csrf, "name": "PROCEDURE room 1"})  # fmt: skip
    assert answer.status_code == 422
    assert f'id="room-{room_id}-name-error">expected a name no other room has' in answer.text
    assert 'value="PROCEDURE room 1"' in answer.text
    assert "room-new-name-error" not in answer.text
    assert _rooms(web_engine)["Consult room A"] == room_id


def test_renaming_an_unknown_room_is_404(users) -> None:  # noqa: ANN001
    api = users.api("coordinator")
    assert api.post("/admin/rooms/999", data={"name": "x"}).status_code == 404
    answer = api.put("/api/rooms/999", json={"name": "x"})
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_hostile_names_are_stored_intact_and_shown_escaped(coordinator, users, web_engine) -> None:  # noqa: ANN001
    for name in HOSTILE:
        assert _add(coordinator, name).status_code == 303, name
    assert set(_rooms(web_engine)) == set(HOSTILE)
    page = coordinator[0].get("/admin/rooms").text
    assert "<script>alert(1)</script>" not in page and "<b>co</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;co&lt;/b&gt;" in page
    listed = users.api("physician").get("/api/rooms").json()["items"]
    assert sorted(item["name"] for item in listed) == sorted(HOSTILE)


def test_openapi_lists_the_room_and_patient_correction_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/rooms"])
    assert "put" in paths["/api/rooms/{room_id}"]
    assert "put" in paths["/api/patients/{patient_id}"]
    assert "/admin/rooms" not in paths and "/patients/{patient_id}/edit" not in paths


def test_openapi_says_a_patient_correction_requires_the_version(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    put = document["paths"]["/api/patients/{patient_id}"]["put"]
    ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"name", "mrn", "birth_date", "expected_version"}
