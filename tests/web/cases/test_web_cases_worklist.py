"""The worklist page and the fracture-liaison queue over the example cases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from kypho_cases_support import body, example, example_stems
from sqlalchemy import Engine, select

from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent


@pytest.fixture
def imported(users) -> dict[str, int]:  # noqa: ANN001
    coordinator = users.api("coordinator")
    ids = {}
    for stem in example_stems():
        answer = coordinator.post("/api/cases", json=body(stem))
        assert answer.status_code == 201, answer.text
        ids[answer.json()["case_ref"]] = answer.json()["id"]
    return ids


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", html, re.S)


def _refs(html: str) -> list[str]:
    return [re.findall(r"<td[^>]*>(EX-\d+)</td>", row)[0] for row in _rows(html)]


def test_worklist_lists_every_case_with_counts(users, imported) -> None:  # noqa: ANN001
    page = users.api("read_only").get("/")
    assert page.status_code == 200
    assert len(_refs(page.text)) == 15
    assert "Needs review (10)</a>" in page.text
    assert "Candidate (3)</a>" in page.text
    assert "Treated (1)</a>" in page.text
    assert "All (15)</a>" in page.text


def test_search_finds_by_mrn_name_and_ref(users, imported) -> None:  # noqa: ANN001
    reader = users.api("read_only")
    assert _refs(reader.get("/", params={"q": "MRN-0009"}).text) == ["EX-09"]
    assert _refs(reader.get("/", params={"q": "Number12"}).text) == ["EX-12"]
    assert _refs(reader.get("/", params={"q": "ex-03"}).text) == ["EX-03"]
    assert "No case matches." in reader.get("/", params={"q": "nobody"}).text


def test_stage_filter_and_row_contents(users, imported) -> None:  # noqa: ANN001
    page = users.api("read_only").get("/", params={"stage": "candidate"}).text
    assert _refs(page) == ["EX-01", "EX-11", "EX-12"]
    row = _rows(page)[0]
    assert "Testpatient Number1" in row
    assert "MRN-0001" in row
    assert "practice: candidate" in row
    assert "vcf-suspicion: advanced imaging indicated" in row
    assert "Plan and book the procedure" in row


def test_overdue_stands_out_in_words(users, imported) -> None:  # noqa: ANN001
    late = example("07-four-levels-one-session")
    late["case_id"] = "EX-77"
    late["procedure"]["date"] = "2026-10-01"  # first follow-up window 2026-10-15 to 10-29
    posted = users.api("coordinator").post("/api/cases", json={
        "patient": {"mrn": "MRN-0077", "name": "Testpatient Late"}, "case": late})  # fmt: skip
    assert posted.status_code == 201, posted.text
    page = users.api("read_only").get("/", params={"overdue": "1"}).text
    rows = _rows(page)
    assert len(rows) == 1
    assert '<tr class="overdue-row">' in page
    assert (
        '<div class="overdue">Overdue: First follow-up (2-4 weeks): window closed 2026-10-29, '
        "no visit recorded</div>"
    ) in rows[0]
    assert "Follow-up due (1)</a>" in page


def test_worklist_read_is_one_audit_event(users, imported, web_engine: Engine) -> None:  # noqa: ANN001
    users.api("read_only").get("/")
    with session_factory(web_engine)() as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.role == "read_only")))
    assert [(e.action, e.record_id) for e in events] == [("list", "worklist")]
    assert events[0].detail == "15 of 15 cases; page 1"


def test_pages_of_fifty(users) -> None:  # noqa: ANN001
    coordinator = users.api("coordinator")
    for n in range(51):
        case = example("05-new-referral-radiograph-only")
        case["case_id"] = f"P-{n:03d}"
        coordinator.post("/api/cases", json={
            "patient": {"mrn": f"MRN-P{n:03d}", "name": f"Paged {n}"}, "case": case})  # fmt: skip
    first = coordinator.get("/").text
    assert len(_rows(first)) == 50
    assert "page 1 of 2" in first
    assert 'href="/?page=2" rel="next"' in first
    assert len(_rows(coordinator.get("/", params={"page": 2}).text)) == 1


def test_liaison_queue(users, imported) -> None:  # noqa: ANN001
    reader = users.api("read_only")
    page = reader.get("/liaison")
    assert page.status_code == 200
    refs = re.findall(r"<td>(EX-\d+)</td>", page.text)
    assert refs == ["EX-05", "EX-12", "EX-15"]  # no continuum of care recorded as done
    assert "fracture; BMD referral with education not recorded" in page.text
    coordinator = users.api("coordinator")
    treated = example("07-four-levels-one-session")
    del treated["continuum_of_care"]["bmd_referral_with_education"]
    coordinator.put(f"/api/cases/{imported['EX-07']}",
                    json={"case": treated, "expected_version": 1})  # fmt: skip
    page = reader.get("/liaison").text
    assert re.findall(r"<td>(EX-\d+)</td>", page)[0] == "EX-07"
    assert "call</span> Call the patient: refer for bone mineral density (BMD)" in page


def test_roles_on_the_worklist(users, client: TestClient) -> None:  # noqa: ANN001
    assert users.api("read_only").get("/").status_code == 200
    assert users.api("radiologist").get("/liaison").status_code == 200
    assert users.api("administrator").get("/").status_code == 403
    assert users.api("administrator").get("/liaison").status_code == 403
    assert users.api("administrator").get("/api/cases").status_code == 403
    assert users.api("read_only").post("/api/cases", json=body("09-discitis")).status_code == 403
    assert users.api("radiologist").post("/api/cases", json=body("09-discitis")).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303
    pk = users.api("coordinator").post("/api/cases", json=body("09-discitis")).json()["id"]
    change = {"case": example("09-discitis"), "expected_version": 1}
    assert users.api("read_only").put(f"/api/cases/{pk}", json=change).status_code == 403
    assert users.api("read_only").get(f"/api/cases/{pk}").status_code == 200
    assert users.api("administrator").get(f"/api/cases/{pk}").status_code == 403
    assert users.api("administrator").get("/api/patients/1").status_code == 403
    assert users.api("physician").put(f"/api/cases/{pk}", json=change).status_code == 200


def test_openapi_lists_the_case_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/cases"])
    assert {"get", "put"} <= set(paths["/api/cases/{case_pk}"])
    assert "/api/patients/{patient_id}" in paths
    assert "/cases/{case_pk}" not in paths  # pages stay out of the API schema


def _statements(engine: Engine, run) -> int:  # noqa: ANN001
    from sqlalchemy import event

    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_page_costs_the_same_few_queries_for_15_or_60_cases(
    users,
    web_engine: Engine,
    imported,  # noqa: ANN001
) -> None:
    reader = users.api("read_only")
    reader.get("/")
    with_15 = _statements(web_engine, lambda: reader.get("/"))
    coordinator = users.api("coordinator")
    for batch, suffix in enumerate("BCD", start=1):
        for stem in example_stems():
            more = body(stem, number=100 * batch + int(stem[:2]))
            more["case"]["case_id"] += f"-{suffix}"
            assert coordinator.post("/api/cases", json=more).status_code == 201
    reader.get("/")
    with_60 = _statements(web_engine, lambda: reader.get("/"))
    assert with_15 == with_60, (with_15, with_60)
    # sign-in check, audit, and the worklist's own: the stale rows, the counts, the page
    assert with_60 <= 12, with_60
