"""Plan page and API: who may plan, refusals with their reasons first, overrides, signing."""

from __future__ import annotations

import json
import re
from datetime import UTC
from typing import Any

from sqlalchemy import func, select

from kypho.cli import main
from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent, Plan

# EX-01's fracture began 2026-10-17 and its procedure is booked for 2026-11-28: assessed
# on 2026-11-20 it is a candidate (acute, imaging 7 days old), whatever today's date is.
ASSESSED_ON = "2026-11-20"
EX01 = "01-acute-l1-worsening-candidate.json"
EX09 = "09-discitis.json"


def plans_in(engine) -> list[Plan]:  # noqa: ANN001
    with session_factory(engine)() as db:
        return list(db.scalars(select(Plan).order_by(Plan.id)))


def cli_plan_json(name: str, capsys, *extra: str) -> dict[str, Any]:  # noqa: ANN001
    capsys.readouterr()
    code = main(["plan", f"examples/cases/{name}", "--on", ASSESSED_ON, "--format", "json", *extra])
    assert code in (0, 1)  # 1: refused
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def test_physician_plans_coordinator_may_not(users, store_example, web_engine, capsys) -> None:  # noqa: ANN001
    pk = store_example(EX01)
    form = {"policy": "practice", "on": ASSESSED_ON}
    assert users.api("coordinator").post(f"/cases/{pk}/plan", data=form).status_code == 403
    assert users.api("radiologist").post(f"/cases/{pk}/plan", data=form).status_code == 403
    assert plans_in(web_engine) == []
    physician = users.api("physician")
    done = physician.post(f"/cases/{pk}/plan", data=form, follow_redirects=False)
    assert done.status_code == 303
    (row,) = plans_in(web_engine)
    assert not row.refused and row.case_version == 1 and str(row.on_date) == ASSESSED_ON
    assert json.loads(row.result) == cli_plan_json(EX01, capsys)
    page = users.api("coordinator").get(f"/cases/{pk}/plan")  # a coordinator reads it
    assert page.status_code == 200
    assert "L1: bipedicular" in page.text and "Pre-procedure checklist" in page.text
    assert "Sign plan" not in page.text  # not the coordinator's to sign


def test_discitis_is_refused_with_the_discitis_first(
    users, store_example, web_engine, capsys
) -> None:  # noqa: ANN001
    pk = store_example(EX09)
    physician = users.api("physician")
    page = physician.post(f"/cases/{pk}/plan", data={"policy": "practice", "on": ASSESSED_ON})
    assert page.status_code == 200
    (row,) = plans_in(web_engine)
    assert row.refused
    stored = json.loads(row.result)
    assert stored == cli_plan_json(EX09, capsys)
    assert any("Discitis" in r for r in stored["refusal_reasons"])
    text = page.text
    discitis = text.index("absolute contraindication: Discitis")
    assert text.index("Plan refused") < discitis < text.index("Missing facts")
    assert discitis < text.index('id="override_reason"')  # the reasons before the override form
    assert "Issue consent" not in text  # a refused plan has no documents


def test_override_needs_a_reason_and_records_who(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk = store_example(EX09)
    physician = users.api("physician")
    physician.post(f"/cases/{pk}/plan", data={"policy": "practice", "on": ASSESSED_ON})
    (refused,) = plans_in(web_engine)
    url = f"/cases/{pk}/plan/{refused.id}/override"
    blank = physician.post(url, data={"override_reason": "   "})
    assert blank.status_code == 422
    error = re.search(r'<span id="override_reason-error"[^>]*>(.*?)</span>', blank.text, re.S)
    assert error is not None and "reason" in error.group(1)
    assert len(plans_in(web_engine)) == 1  # nothing stored
    assert users.api("coordinator").post(url, data={"override_reason": "x"}).status_code == 403
    reason = "Discitis treated for 8 weeks; cleared by infectious disease"
    done = physician.post(url, data={"override_reason": reason}, follow_redirects=False)
    assert done.status_code == 303
    _, planned = plans_in(web_engine)
    physician_id = planned.created_by
    assert not planned.refused
    assert planned.override_reason == reason and planned.overridden_by == physician_id
    assert json.loads(planned.result)["overridden_by"] == "Test physician"
    page = physician.get(done.headers["location"])
    assert page.text.index("Override") < page.text.index("Levels")
    assert reason in page.text


def test_triage_policy_is_refused_beside_the_field(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk = store_example(EX01)
    form = {"policy": "vcf-suspicion", "on": ASSESSED_ON, "procedure_date": "2026-11-28"}
    page = users.api("physician").post(f"/cases/{pk}/plan", data=form)
    assert page.status_code == 422
    assert re.search(r'<span id="policy-error"[^>]*>[^<]*triage', page.text)
    assert 'value="2026-11-28"' in page.text  # what was typed is kept
    assert plans_in(web_engine) == []
    api = users.api("physician").post(f"/api/cases/{pk}/plans", json={"policy": "vcf-suspicion"})
    assert api.status_code == 422 and api.json()["field"] == "policy"


def test_procedure_date_before_assessment_is_refused(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk = store_example(EX01)
    form = {"policy": "practice", "on": ASSESSED_ON, "procedure_date": "2026-11-19"}
    page = users.api("physician").post(f"/cases/{pk}/plan", data=form)
    assert page.status_code == 422
    assert 'id="procedure_date-error"' in page.text
    assert plans_in(web_engine) == []


def test_sign_plan(users, store_example, web_engine) -> None:  # noqa: ANN001
    pk = store_example(EX01)
    physician = users.api("physician")
    made = physician.post(f"/api/cases/{pk}/plans", json={"on": ASSESSED_ON})
    assert made.status_code == 201 and made.json()["refused"] is False
    plan_id = made.json()["id"]
    sign_url = f"/api/cases/{pk}/plans/{plan_id}/sign"
    assert users.api("coordinator").post(sign_url).status_code == 403
    signed = physician.post(sign_url)
    assert signed.status_code == 200
    (row,) = plans_in(web_engine)
    assert row.signed_by == row.created_by and row.signed_at is not None
    signed_utc = f"{row.signed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    again = physician.post(sign_url)
    assert again.status_code == 409
    assert f"plan {plan_id}: already signed at {signed_utc}" in again.text
    with session_factory(web_engine)() as db:
        query = select(func.count()).select_from(AuditEvent)
        signs = db.scalar(
            query.where(AuditEvent.action == "sign", AuditEvent.record_id == str(plan_id))
        )
    assert signs == 1
    page = physician.get(f"/cases/{pk}/plan")
    assert f"Signed by Test physician at {signed_utc}." in page.text


def test_api_lists_and_reads_plans(users, store_example) -> None:  # noqa: ANN001
    pk = store_example(EX09)
    physician = users.api("physician")
    refused = physician.post(f"/api/cases/{pk}/plans", json={"on": ASSESSED_ON}).json()
    assert refused["refused"] is True
    assert refused["plan"]["refusal_reasons"][-1].startswith("absolute contraindication: Discitis")
    blank = physician.post(
        f"/api/cases/{pk}/plans", json={"on": ASSESSED_ON, "override_reason": ""}
    )
    assert blank.status_code == 422 and blank.json()["field"] == "override_reason"
    reader = users.api("read_only")
    items = reader.get(f"/api/cases/{pk}/plans").json()["items"]
    assert [p["id"] for p in items] == [refused["id"]]
    one = reader.get(f"/api/cases/{pk}/plans/{refused['id']}").json()
    assert one["plan"] == refused["plan"]
