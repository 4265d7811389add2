"""Documents of a plan: consent by the physician, discharge with its end time, downloads, print."""

from __future__ import annotations

import hashlib
import html
import io
import re
from datetime import UTC

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from kypho.documents import to_latin1
from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent, IssuedDocument

ASSESSED_ON = "2026-11-20"  # EX-01 is a candidate then (see test_web_plan_page)
EX01 = "01-acute-l1-worsening-candidate.json"
EX09 = "09-discitis.json"
PROCEDURE_END = "2026-11-28T10:30"  # EX-01's procedure date is 2026-11-28


def planned(users, store_example, name: str = EX01) -> tuple[int, int, TestClient]:  # noqa: ANN001
    pk = store_example(name)
    physician = users.api("physician")
    plan = physician.post(f"/api/cases/{pk}/plans", json={"on": ASSESSED_ON}).json()
    return pk, plan["id"], physician


def issued(engine) -> list[IssuedDocument]:  # noqa: ANN001
    with session_factory(engine)() as db:
        return list(db.scalars(select(IssuedDocument).order_by(IssuedDocument.id)))


def words(text: str) -> str:
    return " ".join(text.split())


def pdf_body_text(content: bytes) -> str:
    """The PDF's text without each page's running header (first line) and footer (last)."""
    pages = [p.extract_text().splitlines() for p in PdfReader(io.BytesIO(content)).pages]
    assert all(lines[-1].startswith("Case ref: EX-01 | Page") for lines in pages)
    return words(" ".join(" ".join(lines[1:-1]) for lines in pages))


def test_consent_download_is_the_stored_pdf(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk, plan_id, physician = planned(users, store_example)
    form = {"plan_id": str(plan_id)}
    coordinator = users.api("coordinator")
    assert coordinator.post(f"/cases/{pk}/documents/consent", data=form).status_code == 403
    done = physician.post(f"/cases/{pk}/documents/consent", data=form, follow_redirects=False)
    assert done.status_code == 303
    pdf, rendering = issued(web_engine)
    assert pdf.kind == "consent" and pdf.media_type == "application/pdf"
    assert rendering.media_type.startswith("text/html")
    got = coordinator.get(f"/cases/{pk}/documents/{pdf.id}")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert hashlib.sha256(got.content).hexdigest() == pdf.sha256
    assert got.content == pdf.content
    assert got.headers["content-disposition"] == f'attachment; filename="{pdf.filename}"'
    again = users.api("read_only").get(f"/api/cases/{pk}/documents/{pdf.id}")
    assert again.content == got.content  # never made again
    with session_factory(web_engine)() as db:
        reads = db.scalars(select(AuditEvent).where(AuditEvent.record_type == "document")).all()
    actions = [(e.action, e.record_id) for e in reads]
    assert ("issue", str(pdf.id)) in actions and actions.count(("read", str(pdf.id))) == 2


def test_print_view_shows_the_text_of_the_pdf(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk, plan_id, physician = planned(users, store_example)
    physician.post(f"/cases/{pk}/documents/consent", data={"plan_id": str(plan_id)})
    pdf = issued(web_engine)[0]
    page = physician.get(f"/cases/{pk}/documents/{pdf.id}/print")
    assert page.status_code == 200
    article = re.search(r'<article class="issued-document">(.*)</article>', page.text, re.S)
    assert article is not None
    pdf_text = pdf_body_text(pdf.content)
    blocks = re.findall(r"<(h1|h2|p|li)>(.*?)</\1>", article.group(1), re.S)
    assert len(blocks) > 20
    for _, block in blocks:
        shown = words(to_latin1(html.unescape(block)))
        assert shown in pdf_text, shown
    assert "@media print" in page.text and "no-print" in page.text  # navigation hidden in print
    issued_utc = pdf.issued_at.astimezone(UTC)
    assert f"({issued_utc:%Y-%m-%d %H:%M} UTC)" in page.text  # when it was issued, zone said
    plan_page = physician.get(f"/cases/{pk}/plan?plan={plan_id}").text
    assert f"<td>{issued_utc:%Y-%m-%d %H:%M} UTC</td>" in plan_page


def test_discharge_needs_the_procedure_end(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk, plan_id, _ = planned(users, store_example)
    coordinator = users.api("coordinator")
    url = f"/cases/{pk}/documents/discharge"
    missing = coordinator.post(url, data={"plan_id": str(plan_id), "procedure_end": ""})
    assert missing.status_code == 422
    error = re.search(r'<span id="procedure_end-error"[^>]*>(.*?)</span>', missing.text, re.S)
    assert error is not None and "when the procedure ended" in error.group(1)
    wrong_day = coordinator.post(
        url, data={"plan_id": str(plan_id), "procedure_end": "2026-12-05T10:30"}
    )
    assert wrong_day.status_code == 422
    assert 'value="2026-12-05T10:30"' in wrong_day.text and "2026-11-28" in wrong_day.text
    assert issued(web_engine) == []
    done = coordinator.post(url, data={"plan_id": str(plan_id), "procedure_end": PROCEDURE_END},
                            follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    kinds = [(d.kind, d.media_type.split(";")[0]) for d in issued(web_engine)]
    assert kinds == [("discharge", "application/pdf"), ("calendar", "text/calendar"),
                     ("discharge", "text/html")]  # fmt: skip
    calendar = issued(web_engine)[1]
    assert calendar.content.startswith(b"BEGIN:VCALENDAR")


def test_refused_plan_issues_nothing(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk, plan_id, physician = planned(users, store_example, EX09)
    answer = physician.post(
        f"/api/cases/{pk}/documents", json={"plan_id": plan_id, "kind": "consent"}
    )
    assert answer.status_code == 422
    assert "refused" in answer.json()["message"]
    assert issued(web_engine) == []


def test_api_issue_and_list(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk, plan_id, physician = planned(users, store_example)
    coordinator = users.api("coordinator")
    url = f"/api/cases/{pk}/documents"
    assert coordinator.post(url, json={"plan_id": plan_id, "kind": "consent"}).status_code == 403
    made = coordinator.post(url, json={"plan_id": plan_id, "kind": "discharge",
                                       "procedure_end": PROCEDURE_END})  # fmt: skip
    assert made.status_code == 201
    assert [d["kind"] for d in made.json()["items"]] == ["discharge", "calendar", "discharge"]
    listed = users.api("read_only").get(url).json()["items"]
    assert {d["id"] for d in listed} == {d["id"] for d in made.json()["items"]}
    first = listed[-1]
    body = coordinator.get(first["url"]).content
    assert hashlib.sha256(body).hexdigest() == first["sha256"]
    assert users.api("administrator").get(url).status_code == 403


def test_overridden_plan_issues_a_consent_stating_the_override(
    users, store_example, web_engine
) -> None:  # noqa: ANN001
    pk, plan_id, physician = planned(users, store_example, EX09)
    reason = "Discitis treated <em>8 weeks</em>; cleared by infectious disease"
    done = physician.post(f"/cases/{pk}/plan/{plan_id}/override",
                          data={"override_reason": reason}, follow_redirects=False)  # fmt: skip
    new_id = int(done.headers["location"].rsplit("=", 1)[1])
    page = physician.get(done.headers["location"]).text
    assert "&lt;em&gt;8 weeks&lt;/em&gt;" in page and "<em>8 weeks" not in page
    made = physician.post(f"/cases/{pk}/documents/consent", data={"plan_id": str(new_id)})
    assert made.status_code == 200  # the redirect, followed, shows the plan
    pdf, rendering = issued(web_engine)
    assert pdf.plan_id == new_id and pdf.content.startswith(b"%PDF")
    printed = physician.get(f"/cases/{pk}/documents/{pdf.id}/print").text
    assert "&lt;em&gt;" in printed and "<em>8" not in printed  # typed text stays text
    assert rendering.media_type.startswith("text/html")
    assert "cleared by infectious disease" in printed  # the reason, as the consent states it
