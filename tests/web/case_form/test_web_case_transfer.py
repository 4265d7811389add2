"""A case file out (export, audited) and in (import, audited; a bad file named beside the field)."""

from __future__ import annotations

import json

from case_form_helpers import (
    EXAMPLE_01,
    FormReader,
    audit_actions,
    counts,
    error_beside,
    example,
    patient_rows,
    stored_documents,
)
from fastapi.testclient import TestClient

from kypho.config import Settings
from kypho.web.app import create_app


def _import(client: TestClient, person: dict[str, str], name: str, content: bytes):
    files = {"case_file": (name, content, "application/json")}
    return client.post("/cases/import", data=person, files=files, follow_redirects=False)


def test_an_imported_case_file_is_stored_as_it_was(coordinator, person, web_engine) -> None:
    answer = _import(coordinator, person, EXAMPLE_01.name, EXAMPLE_01.read_bytes())
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cases/1"
    assert stored_documents(web_engine) == [example()]
    assert patient_rows(web_engine) == [("MRN-0001", "Ada Example", "1947-03-02")]
    assert ("import", "case", "version 1") in audit_actions(web_engine)


def test_export_gives_the_stored_case_file_and_is_audited(
    coordinator, person, users, web_engine
) -> None:
    assert _import(coordinator, person, "ex.json", EXAMPLE_01.read_bytes()).status_code == 303
    answer = users.api("read_only").get("/cases/1/export.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"] == 'attachment; filename="EX-01.json"'
    assert json.loads(answer.content) == example()
    assert "Ada Example" not in answer.text and "MRN-0001" not in answer.text
    assert ("export", "case", "version 1") in audit_actions(web_engine)


def test_export_needs_permission_to_read_patient_data(users) -> None:
    assert users.api("administrator").get("/cases/1/export.json").status_code == 403


def test_export_of_no_case_is_not_found(coordinator) -> None:
    assert coordinator.get("/cases/7/export.json").status_code == 404


def test_an_exported_file_imports_unchanged(coordinator, person, web_engine) -> None:
    assert _import(coordinator, person, "a.json", EXAMPLE_01.read_bytes()).status_code == 303
    exported = coordinator.get("/cases/1/export.json").content
    renamed = json.dumps(json.loads(exported) | {"case_id": "EX-01-copy"}).encode()
    assert _import(coordinator, person, "b.json", renamed).status_code == 303
    first, second = stored_documents(web_engine)
    assert second == first | {"case_id": "EX-01-copy"}


def test_a_bad_case_file_is_named_beside_the_file_field(coordinator, person, web_engine) -> None:
    bad = example()
    bad["pain"][0]["score"] = 11
    answer = _import(coordinator, person, "bad.json", json.dumps(bad).encode())
    assert answer.status_code == 422
    assert error_beside(answer.text, "f-case-file") == (
        "bad.json: pain[0].score: expected a number from 0 to 10, got 11"
    )
    assert FormReader(answer.text).values["person.name"] == "Ada Example"  # typed, kept
    assert counts(web_engine) == (0, 0, 0)


def test_not_json_and_no_file_are_refused(coordinator, person, web_engine) -> None:
    answer = _import(coordinator, person, "x.json", b'{"case_id": ')
    assert answer.status_code == 422
    assert "not valid JSON" in error_beside(answer.text, "f-case-file")
    answer = _import(coordinator, person, "x.json", b"\xff\xfe")
    assert "expected UTF-8 text" in error_beside(answer.text, "f-case-file")
    answer = coordinator.post("/cases/import", data=person)
    assert answer.status_code == 422
    assert "got none" in error_beside(answer.text, "f-case-file")
    assert counts(web_engine) == (0, 0, 0)


def _client_with_limit(engine, tmp_path, token: str, limit_bytes: int) -> TestClient:
    settings = Settings(
        data_dir=tmp_path / "d",
        secret_key="test-secret-" + "x" * 32,
        max_case_file_bytes=limit_bytes,
    )
    client = TestClient(create_app(settings, engine=engine))
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_a_file_over_the_size_limit_is_refused(web_engine, tmp_path, users, person) -> None:
    size_bytes = len(EXAMPLE_01.read_bytes())
    _, token = users.make("coordinator")
    client = _client_with_limit(web_engine, tmp_path, token, size_bytes - 1)
    answer = _import(client, person, "big.json", EXAMPLE_01.read_bytes())
    assert answer.status_code == 413
    assert f"at most {size_bytes - 1} bytes" in error_beside(answer.text, "f-case-file")
    assert counts(web_engine) == (0, 0, 0)
    client = _client_with_limit(web_engine, tmp_path, token, size_bytes)
    assert _import(client, person, "fits.json", EXAMPLE_01.read_bytes()).status_code == 303


def test_import_needs_patient_details_and_edit_permission(coordinator, users, web_engine) -> None:
    answer = _import(coordinator, {}, "a.json", EXAMPLE_01.read_bytes())
    assert answer.status_code == 422
    assert "required" in error_beside(answer.text, "f-person-mrn")
    assert users.api("read_only").get("/cases/import").status_code == 403
    assert counts(web_engine) == (0, 0, 0)
    page = coordinator.get("/cases/import")
    shown = FormReader(page.text)
    assert shown.types["case_file"] == "file" and shown.labelled("case_file")
