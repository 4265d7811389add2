"""The case's patient-education page from stored six-point landmarks: a 2-D side view when
the case has landmarks but no mask, labelled so, the landmarks' read audited. The page is
the one ``kypho educate --landmarks`` writes (tested in a browser in ``tests/education``)."""

from __future__ import annotations

import json
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
CASE_L1 = ROOT / "examples" / "cases" / "01-acute-l1-worsening-candidate.json"
EXAMPLES_TODAY = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("UTC"))
DRAWN_LABEL = "Drawn from landmarks (2-D)"


def _body(heights_mm: tuple[float, float, float], centre_s_mm: float) -> dict[str, list[float]]:
    """Six AS points (mm) of a body 30 mm deep with these (anterior, middle, posterior) heights."""
    u = {"anterior": 15.0, "middle": 0.0, "posterior": -15.0}
    h = dict(zip(("anterior", "middle", "posterior"), heights_mm, strict=True))
    return {f"{end}_{st}": [u[st], centre_s_mm + sign * h[st] / 2]
            for end, sign in (("superior", 1.0), ("inferior", -1.0)) for st in u}  # fmt: skip


LANDMARKS = json.dumps({"format": "kypho-landmarks/1", "frame": "AS", "levels": {
    "T12": _body((26.0, 26.0, 26.0), 36.0), "L1": _body((15.0, 20.0, 26.0), 0.0),
    "L2": _body((26.0, 26.0, 26.0), -36.0)}}).encode()  # fmt: skip


@pytest.fixture(autouse=True)
def _examples_today(web_app: Any) -> None:
    set_clinic_now(web_app, EXAMPLES_TODAY)


def _stored(engine: Engine, mrn: str) -> int:
    with transaction(session_factory(engine)) as db:
        person = PatientDetails(mrn=mrn, name="Education Testpatient")
        return create_case(db, SYSTEM, patient=person, case=load_case(CASE_L1)).row.id


def _count(engine: Engine, detail: str) -> int:
    with session_factory(engine)() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.detail == detail)) or 0)  # fmt: skip


def test_with_landmarks_stored_the_page_is_the_side_view_from_them(
    users: Any, web_engine: Engine
) -> None:
    pk = _stored(web_engine, "EDU-LM-1")
    files = {"file": ("spine-landmarks.json", LANDMARKS, "application/json")}
    radiologist = users.api("radiologist")
    sent = radiologist.post(f"/cases/{pk}/imaging", files=files, data={"layout": "auto"},
                            follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text[:1000]
    client = users.api("coordinator")
    page = client.get(f"/cases/{pk}/education")
    assert page.status_code == 200, page.text[:1000]
    assert DRAWN_LABEL in page.text
    assert "Standard model, not your own bone." not in page.text
    assert "<svg" in page.text and "Plotly" not in page.text
    assert page.headers["cache-control"] == "private, no-store"
    gif = client.get(f"/cases/{pk}/education.gif")
    assert gif.status_code == 200 and gif.content.startswith(b"GIF89a")
    assert _count(web_engine, "landmarks for education") == 2  # the page and the GIF
    assert _count(web_engine, "mask for education") == 0


def test_without_landmarks_or_a_mask_the_standard_model_is_shown(
    users: Any, web_engine: Engine
) -> None:
    pk = _stored(web_engine, "EDU-LM-2")
    page = users.api("physician").get(f"/cases/{pk}/education")
    assert page.status_code == 200, page.text[:1000]
    assert "Standard model, not your own bone." in page.text
    assert DRAWN_LABEL not in page.text
    assert _count(web_engine, "landmarks for education") == 0
