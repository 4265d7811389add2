"""The audit trail view, its filters and pages, the CSV export (itself audited), the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError

from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent
from web.conftest import PASSWORD
from web.security.web_security_helpers import signed_in

PAGE_ROWS = 50  # the admin view's page size (kypho.store.audit_query.PAGE_ROWS)
HEADER = ["id", "at", "user_id", "username", "role", "action", "record_type", "record_id",
          "case_id", "ip", "detail"]  # fmt: skip


def _event(at: datetime, *, username: str = "pat", action: str = "read", record_type: str = "case",
           case_id: int | None = 7, detail: str = "version 1") -> AuditEvent:  # fmt: skip
    return AuditEvent(at=at, user_id=None, username=username, role="coordinator", action=action,
                      record_type=record_type, record_id=str(case_id or 0), case_id=case_id,
                      ip="10.0.0.9", detail=detail)  # fmt: skip


def _add(engine: Engine, *events: AuditEvent) -> None:
    with transaction(session_factory(engine)) as db:
        db.add_all(events)


@pytest.fixture
def admin(client: TestClient, users) -> TestClient:  # noqa: ANN001
    users.make("administrator", username="admin")
    signed_in(client, "admin", PASSWORD)
    return client


def _rows(page: str) -> int:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>") - body.count("No events match")


def test_filters_by_user_action_record_type_and_case(admin, web_engine) -> None:  # noqa: ANN001
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    _add(web_engine, _event(day), _event(day, username="lee"), _event(day, action="update"),
         _event(day, record_type="plan"), _event(day, case_id=8))  # fmt: skip
    assert _rows(admin.get("/admin/audit?user=lee").text) == 1
    assert _rows(admin.get("/admin/audit?action=update").text) == 1
    assert _rows(admin.get("/admin/audit?record_type=plan").text) == 1
    assert _rows(admin.get("/admin/audit?case_id=8").text) == 1
    assert (
        _rows(admin.get("/admin/audit?user=pat&action=read&record_type=case&case_id=7").text) == 1
    )


def test_a_date_range_includes_both_whole_days(admin, web_engine) -> None:  # noqa: ANN001
    _add(web_engine,
         _event(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), detail="before"),
         _event(datetime(2026, 3, 2, 0, 0, 0, tzinfo=UTC), detail="first"),
         _event(datetime(2026, 3, 3, 23, 59, 59, tzinfo=UTC), detail="last"),
         _event(datetime(2026, 3, 4, 0, 0, 0, tzinfo=UTC), detail="after"))  # fmt: skip
    page = admin.get("/admin/audit?from=2026-03-02&to=2026-03-03").text
    assert _rows(page) == 2 and "first" in page and "last" in page
    assert "before" not in page and "after" not in page


def test_a_bad_filter_is_shown_beside_its_field_keeping_the_input(admin) -> None:  # noqa: ANN001
    page = admin.get("/admin/audit?from=2026-13-01&user=lee")
    assert page.status_code == 422
    assert 'id="f-from-error">expected a date as YYYY-MM-DD' in page.text
    assert 'value="lee"' in page.text
    later = admin.get("/admin/audit?from=2026-03-05&to=2026-03-04")
    assert later.status_code == 422 and 'id="f-to-error"' in later.text


def test_pages_of_fifty_newest_first(admin, web_engine) -> None:  # noqa: ANN001
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    _add(web_engine, *(_event(at, detail=f"n{n:03d}", action="seed") for n in range(120)))
    first = admin.get("/admin/audit?action=seed").text
    assert _rows(first) == PAGE_ROWS and "n119" in first and "n070" in first and "n069" not in first
    assert "page 1 of 3" in first and 'href="/admin/audit?action=seed&amp;page=2"' in first
    last = admin.get("/admin/audit?action=seed&page=3").text
    assert _rows(last) == 20 and "n000" in last and "Older" not in last


def test_csv_export_has_a_header_every_row_and_is_itself_audited(admin, web_engine) -> None:  # noqa: ANN001
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    _add(web_engine, *(_event(at, detail=f"n{n}", action="seed") for n in range(3)),
         _event(at, action="seed", detail="=HYPERLINK(1)"))  # fmt: skip
    answer = admin.get("/admin/audit.csv?action=seed")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == HEADER
    assert [r[HEADER.index("detail")] for r in rows[1:]] == ["n0", "n1", "n2", "'=HYPERLINK(1)"]
    assert rows[1][HEADER.index("at")] == "2026-03-02T09:00:00+00:00"
    with transaction(session_factory(web_engine)) as db:
        export = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (export.username, export.record_type, export.detail) == (
        "admin",
        "audit",
        "rows 4; filters action",
    )


def test_audit_over_the_api(users, web_engine) -> None:  # noqa: ANN001
    _add(web_engine, _event(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), username="lee"))
    api = users.api("administrator")
    body = api.get("/api/audit", params={"user": "lee"}).json()
    assert body["total"] == 1 and body["pages"] == 1
    assert body["items"][0]["username"] == "lee" and body["items"][0]["case_id"] == 7
    bad = api.get("/api/audit", params={"case_id": "seven"})
    assert bad.status_code == 422 and bad.json()["field"] == "case_id"


def test_the_trail_refuses_update_and_delete(web_engine) -> None:  # noqa: ANN001
    _add(web_engine, _event(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    for statement in ("UPDATE audit_events SET detail = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), web_engine.begin() as conn:
            conn.execute(text(statement))
