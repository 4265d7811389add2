"""The case's patient-education page and GIF in the app: a standard model without a mask,
the patient's own vertebra once their mask is stored, and a clear refusal when there is
nothing to treat. The page is the one ``kypho educate`` writes (tested in a browser in
``tests/education``); here: the app serves it for the stored case, audited."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent
from web.web_clock import set_clinic_now

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "cases"
SHARED_MASK = ROOT / ".." / "shared" / "data" / "totalsegmentator" / "example_seg.nii.gz"


# The examples' dates sit in November 2026: the clinic's clock is pinned there.
EXAMPLES_TODAY = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _examples_today(web_app: Any) -> None:
    set_clinic_now(web_app, EXAMPLES_TODAY)


def _stored(engine: Engine, example: str, mrn: str) -> int:
    case = load_case(EXAMPLES / example)
    with transaction(session_factory(engine)) as db:
        person = PatientDetails(mrn=mrn, name="Education Testpatient")
        return create_case(db, SYSTEM, patient=person, case=case).row.id


def test_without_a_mask_the_page_shows_a_standard_model_and_says_so(
    users: Any, web_engine: Engine
) -> None:
    pk = _stored(web_engine, "01-acute-l1-worsening-candidate.json", "EDU-1")
    client = users.api("physician")
    page = client.get(f"/cases/{pk}/education")
    assert page.status_code == 200, page.text[:1000]
    assert "Standard model, not your own bone." in page.text
    assert "Plotly" in page.text and '<script src="http' not in page.text  # offline: inlined
    assert page.headers["cache-control"] == "private, no-store"
    gif = client.get(f"/cases/{pk}/education.gif")
    assert gif.status_code == 200 and gif.content.startswith(b"GIF89a")
    with session_factory(web_engine)() as db:
        reads = db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.record_type == "case", AuditEvent.action == "read",
            AuditEvent.case_id == pk))  # fmt: skip
    assert reads == 2  # the page and the GIF each read the case


def test_with_the_patients_mask_stored_the_page_shows_their_own_vertebra(
    users: Any, web_engine: Engine
) -> None:
    if not SHARED_MASK.is_file():
        pytest.skip(f"real data absent: {SHARED_MASK} (see its README)")
    pk = _stored(web_engine, "01-acute-l1-worsening-candidate.json", "EDU-2")
    radiologist = users.api("radiologist")
    files = {"file": ("example_seg.nii.gz", SHARED_MASK.read_bytes(), "application/gzip")}
    sent = radiologist.post(f"/cases/{pk}/imaging", files=files, data={"layout": "auto"},
                            follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text[:1000]
    page = users.api("coordinator").get(f"/cases/{pk}/education")
    assert page.status_code == 200, page.text[:1000]
    assert "Standard model, not your own bone." not in page.text
    with session_factory(web_engine)() as db:
        mask_reads = db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.detail == "mask for education"))  # fmt: skip
    assert mask_reads == 1


def test_a_case_with_nothing_to_treat_is_refused_naming_why(users: Any, web_engine: Engine) -> None:
    pk = _stored(web_engine, "03-chronic-t8-healed.json", "EDU-3")
    page = users.api("physician").get(f"/cases/{pk}/education")
    assert page.status_code == 422
    assert (
        "Traceback" not in page.text
        and "education" in page.text.lower()
        or "plan" in (page.text.lower())
    )
