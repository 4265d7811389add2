"""The clinic's journey in a real browser (issue 10, item 7), one test per step, in order.

A coordinator enters example 05 (a radiograph-only referral) through the case form and
sees it needs information, with its missing documents; fills them in through the edit
form; a radiologist uploads a real multilabel vertebra segmentation (TotalSegmentator's
test file, /work/shared/data/totalsegmentator/README.md) on the imaging page and adds
the study to the case; a physician plans, signs and downloads the consent (a PDF); the
coordinator books the procedure inside the window and marks it done; a follow-up visit
is entered and charted (on a copy of the case treated two weeks ago: a visit must fall
after the procedure and not after today, and the server's clock is the real one); the
administrator finds every step in the audit trail; the pages fit a tablet. Every page visited is
saved as a full-page screenshot. The tests share one server and one case (module
scope), so they run in file order; a step fails, saying which page, if an earlier one
did.

Dates: example 05's facts are consistent as of ``EXAMPLE_TODAY`` (fracture 30 days old,
radiograph 21 days old); every date is moved by the same number of days so that they
stand in the same relation to the real today, which the server uses.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import insert

from kypho.store.engine import make_engine
from kypho.store.models import Room
from web.browser.kypho_browser import (
    DESKTOP,
    TABLET,
    Screenshots,
    horizontal_overflow_px,
    sign_in,
)
from web.browser.kypho_case_bodies import example_case
from web.browser.kypho_live_server import SeededUser

EXAMPLE_TODAY = date(2026, 12, 2)  # example 05's onset (2026-11-02) is 30 days before
DATE_KEYS = ("date", "symptom_onset_date", "start_date", "end_date")
MASK = Path("/work/shared/data/totalsegmentator/spine_report/example_ct_report/totalseg.nii.gz")
# Today: the window opens on the day of assessment (today) and the MRI (today - 7) is
# <= 30 days old. A follow-up visit is dated after the procedure and on or before today,
# so the visit is recorded on a second case treated ``FOLLOW_UP_AFTER_DAYS`` ago.
PROCEDURE_IN_DAYS = 0
FOLLOW_UP_AFTER_DAYS = 14  # the two-week visit
NAME, MRN, BIRTH = "Journey Testpatient", "MRN-J-0005", "1947-03-14"  # made up

STATE: dict[str, Any] = {}


def _today() -> date:
    return datetime.now(UTC).date()  # the server's clinic zone is UTC (the default)


def _day(days_from_today: int) -> str:
    return (_today() + timedelta(days=days_from_today)).isoformat()


def _shifted(data: Any, delta: timedelta) -> Any:
    if isinstance(data, dict):
        return {k: (date.fromisoformat(v) + delta).isoformat()
                if k in DATE_KEYS and isinstance(v, str) else _shifted(v, delta)
                for k, v in data.items()}  # fmt: skip
    if isinstance(data, list):
        return [_shifted(v, delta) for v in data]
    return data


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    """Form input names and texts of a case file: JSON paths (``fractures[0].level``)."""
    out: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key != "schema_version":
                out |= flatten(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        for i, value in enumerate(data):
            out |= flatten(value, f"{prefix}[{i}]")
    elif isinstance(data, list):
        out[prefix] = ", ".join(str(v) for v in data)
    elif isinstance(data, bool):
        out[prefix] = "true" if data else "false"
    elif isinstance(data, float) and data.is_integer():
        out[prefix] = str(int(data))
    else:
        out[prefix] = str(data)
    return out


def fill_form(page, values: dict[str, str]) -> None:  # noqa: ANN001
    missing = [n for n in values if page.locator(f'[name="{n}"]').count() == 0]
    assert not missing, f"inputs absent from the form: {missing}"
    for name, text in values.items():
        field = page.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(text)
        else:
            field.fill(text)


def _stored_case(live_server: str, user: SeededUser) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {user.token}"}
    answer = httpx.get(f"{live_server}/api/cases/{STATE['pk']}", headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    got: dict[str, Any] = answer.json()
    return got


def _open(page, path: str, shots: Screenshots, name: str):  # noqa: ANN001, ANN202
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, f"GET {path}: {answer and answer.status}"
    shots.take(page, name)
    return page


@pytest.fixture(scope="module")
def contexts(playwright_browser, live_server: str) -> Any:  # noqa: ANN001
    made: dict[str, Any] = {}

    def context_for(role: str, viewport: dict[str, int] = DESKTOP) -> Any:
        key = f"{role}-{viewport['width']}"
        if key not in made:
            made[key] = playwright_browser.new_context(viewport=viewport, base_url=live_server)
        return made[key]

    yield context_for
    for context in made.values():
        context.close()


@pytest.fixture(scope="module")
def room(live_db: tuple[str, Path]) -> str:
    """A procedure room: no page adds rooms yet, so the test puts one in the database."""
    engine = make_engine(live_db[0])
    with engine.begin() as conn:
        conn.execute(insert(Room).values(name="Procedure room 1"))
    engine.dispose()
    return "Procedure room 1"


def _page_of(contexts, users: dict[str, SeededUser], role: str) -> Any:  # noqa: ANN001
    key = f"page-{role}"
    if key not in STATE:
        STATE[key] = sign_in(contexts(role), users[role])
    return STATE[key]


def test_01_coordinator_enters_referral_through_the_form(
    contexts, live_server: str, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    page = _page_of(contexts, live_users, "coordinator")
    _open(page, "/", screenshots, "worklist-empty")
    _open(page, "/cases/new", screenshots, "new-referral-form")
    case = _shifted(example_case(case_id="J-05"), _today() - EXAMPLE_TODAY)
    fill_form(page, {"person.name": NAME, "person.mrn": MRN, "person.birth_date": BIRTH,
                     "referred_on": _day(-20)} | flatten(case))  # fmt: skip
    with page.expect_navigation():
        page.locator("form.case button[type=submit]").first.click()
    assert "/cases/" in page.url and not page.url.endswith("/new"), page.inner_text("main")
    STATE["pk"] = int(page.url.rstrip("/").split("/")[-1])
    STATE["case"] = case
    stored = _stored_case(live_server, live_users["coordinator"])
    assert stored["patient"] | {"id": 0} == {"id": 0, "mrn": MRN, "name": NAME,
                                              "birth_date": BIRTH}  # fmt: skip
    got = flatten(stored["case"])
    assert {k: got.get(k) for k in flatten(case)} == flatten(case), "form stored the facts"


def test_02_case_page_says_needs_information_with_missing_documents(
    contexts, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    page = _open(_page_of(contexts, live_users, "coordinator"), f"/cases/{STATE['pk']}",
                 screenshots, "case-needs-information")  # fmt: skip
    assert "Needs information" in page.inner_text(".glance"), page.inner_text("#decisions")
    needed = page.inner_text("#checklist")
    for document in ("MRI of T11", "two dated pain scores", "Roland-Morris"):
        assert document in needed, f"{document!r} not in the missing documents: {needed}"


def test_03_coordinator_fills_in_the_missing_facts(
    contexts, live_server: str, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    page = _open(_page_of(contexts, live_users, "coordinator"), f"/cases/{STATE['pk']}/edit",
                 screenshots, "edit-form")  # fmt: skip
    added = {
        "imaging[1].modality": "mri", "imaging[1].date": _day(-7), "imaging[1].study_id": "MR-5",
        "imaging[1].findings[0].level": "T11", "imaging[1].findings[0].marrow_edema": "true",
        "imaging[1].findings[0].appearance": "acute",
        "imaging[1].findings[0].height_loss_pct": "30",
        "imaging[1].findings[0].kyphotic_deformity": "true",
        "imaging[1].findings[0].retropulsion": "false",
        "imaging[1].findings[0].progression": "true",
        "pain[1].score": "9", "pain[1].scale": "NRS", "pain[1].date": _day(-7),
        "function[0].instrument": "RDQ", "function[0].score": "19", "function[0].date": _day(-7),
        "fractures[0].needs_reinforcement_before_surgery": "false",
        "continuum_of_care.bmd_referral_with_education": "true",
        "continuum_of_care.osteoporosis_program_instruction": "true",
    }  # fmt: skip
    fill_form(page, added)
    with page.expect_navigation():
        page.locator("form.case button[type=submit]").first.click()
    assert page.url.endswith(f"/cases/{STATE['pk']}"), page.inner_text("main")
    screenshots.take(page, "case-after-edit")
    got = flatten(_stored_case(live_server, live_users["coordinator"])["case"])
    assert {k: got.get(k) for k in added} == added
    assert "Candidate" in page.inner_text(".glance"), page.inner_text("#decisions")[:1500]


def test_04_radiologist_uploads_the_mask_and_adds_the_study(
    contexts, live_server: str, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    assert MASK.exists(), f"{MASK}: the shared TotalSegmentator test file is missing"
    page = _open(_page_of(contexts, live_users, "radiologist"), f"/cases/{STATE['pk']}/imaging",
                 screenshots, "imaging-page")  # fmt: skip
    page.set_input_files("#file", str(MASK))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and measure").click()
    assert "?m=" in page.url, page.inner_text("main")[:1500]
    screenshots.take(page, "imaging-measured")
    text = page.inner_text("main")
    for level in ("T12", "L1", "L2", "L3", "L4", "L5"):  # labels 32..27 (README)
        assert level in text, f"{level} not measured"
    page.fill("#study_date", _day(-8))  # before the MRI: the MRI stays the latest read
    page.select_option("#modality", "ct")
    page.fill("#study_id", "CT-5")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to case").click()
    screenshots.take(page, "imaging-added")
    studies = _stored_case(live_server, live_users["radiologist"])["case"]["imaging"]
    assert [s.get("study_id") for s in studies] == ["XR-5", "MR-5", "CT-5"]


def test_05_physician_plans_signs_and_downloads_the_consent(
    contexts, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    page = _open(_page_of(contexts, live_users, "physician"), f"/cases/{STATE['pk']}/plan",
                 screenshots, "plan-page")  # fmt: skip
    page.select_option("#policy", "practice")
    page.fill("#procedure_date", _day(PROCEDURE_IN_DAYS))
    with page.expect_navigation():
        page.get_by_role("button", name="Plan", exact=True).click()
    screenshots.take(page, "plan-made")
    assert "T11" in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign plan").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Issue consent").click()
    screenshots.take(page, "consent-issued")
    link = page.get_by_role("link", name="Download").first
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200
    assert answer.body()[:4] == b"%PDF", answer.body()[:40]


def test_06_coordinator_books_the_procedure_inside_the_window(
    contexts, live_server: str, live_users: dict[str, SeededUser], screenshots: Screenshots,
    room: str,
) -> None:  # fmt: skip
    page = _open(_page_of(contexts, live_users, "coordinator"), f"/cases/{STATE['pk']}/schedule",
                 screenshots, "schedule-page")  # fmt: skip
    page.select_option("#kind", "procedure")
    page.select_option("#room_id", label=room)
    page.fill("#date", _day(PROCEDURE_IN_DAYS))
    page.fill("#start", "00:00")  # today, already started: it can be marked done
    with page.expect_navigation():
        page.get_by_role("button", name="Book").click()
    screenshots.take(page, "procedure-booked")
    booked = page.inner_text("table")
    assert _day(PROCEDURE_IN_DAYS) in booked and "Procedure" in booked, booked
    assert "outside the window" not in booked
    with page.expect_navigation():
        page.get_by_role("button", name="Mark done").click()
    screenshots.take(page, "procedure-done")
    done = _stored_case(live_server, live_users["coordinator"])["case"]["procedure"]
    assert done["date"] == _day(PROCEDURE_IN_DAYS)


def _treated_case(live_server: str, user: SeededUser) -> int:
    """The journey's case as it stands, all dates moved back, treated on ``-FOLLOW_UP...``."""
    back = timedelta(days=-FOLLOW_UP_AFTER_DAYS)
    case = _shifted(_stored_case(live_server, user)["case"], back) | {"case_id": "J-05-B"}
    case["procedure"] = {"date": _day(-FOLLOW_UP_AFTER_DAYS), "levels": ["T11"]}
    body = {"patient": {"mrn": "MRN-J-0005-B", "name": "Journey Treatedpatient",
                        "birth_date": BIRTH}, "case": case, "referred_on": None}  # fmt: skip
    headers = {"Authorization": f"Bearer {user.token}"}
    answer = httpx.post(f"{live_server}/api/cases", json=body, headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    pk: int = answer.json()["id"]
    return pk


def test_07_follow_up_is_entered_and_charted(
    contexts, live_server: str, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    STATE["treated_pk"] = pk = _treated_case(live_server, live_users["coordinator"])
    page = _open(_page_of(contexts, live_users, "coordinator"), f"/cases/{pk}/follow-up",
                 screenshots, "follow-up-page")  # fmt: skip
    page.fill("#date", _day(0))
    page.fill("#nrs", "3")
    page.fill("#rdq", "8")
    page.get_by_label("None found").check()
    page.get_by_label("No complications").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save visit").click()
    screenshots.take(page, "follow-up-charted")
    headers = {"Authorization": f"Bearer {live_users['coordinator'].token}"}
    got = httpx.get(f"{live_server}/api/cases/{pk}", headers=headers, timeout=30).json()
    visits = got["case"].get("follow_up") or []
    assert [(v["date"], v.get("nrs"), v.get("rdq")) for v in visits] == [(_day(0), 3, 8)], (
        page.inner_text("main")[:1500]
    )
    assert page.locator("svg.outcome").count() > 0, "no chart on the follow-up page"
    assert "3" in page.inner_text("main")


def test_08_administrator_finds_every_step_in_the_audit_trail(
    contexts, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    page = _open(_page_of(contexts, live_users, "administrator"), "/admin/audit",
                 screenshots, "audit-trail")  # fmt: skip
    page.fill("#f-case_id", str(STATE["pk"]))
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    screenshots.take(page, "audit-trail-of-the-case")
    answer = page.request.get(f"/admin/audit.csv?case_id={STATE['pk']}")
    assert answer.status == 200
    rows = list(csv.DictReader(io.StringIO(answer.text())))
    seen = {(r.get("username"), r.get("action"), r.get("record_type")) for r in rows}
    users = {role: live_users[role].username for role in live_users}
    expected = [
        (users["coordinator"], "create", "case"),
        (users["coordinator"], "read", "case"),
        (users["coordinator"], "update", "case"),
        (users["radiologist"], "update", "case"),
        (users["physician"], "read", "case"),
    ]
    missing = [step for step in expected if step not in seen]
    assert not missing, f"steps not in the audit trail: {missing}; seen {sorted(seen)}"
    actions = {(r.get("username"), r.get("record_type")) for r in rows}
    by_whom = [
        (users["radiologist"], "measurement"),
        (users["physician"], "plan"),
        (users["physician"], "document"),
        (users["coordinator"], "appointment"),
    ]
    for who, what in by_whom:
        assert (who, what) in actions, f"no {what} event by {who}: {sorted(actions)}"
    treated = page.request.get(f"/admin/audit.csv?case_id={STATE['treated_pk']}").text()
    events = {(r.get("username"), r.get("action")) for r in csv.DictReader(io.StringIO(treated))}
    assert (users["coordinator"], "update") in events, f"no follow-up save: {sorted(events)}"


TABLET_PAGES = ("/", "/cases/{pk}", "/cases/{pk}/edit", "/cases/{pk}/imaging", "/cases/{pk}/plan",
                "/cases/{pk}/schedule", "/cases/{treated}/follow-up", "/schedule")  # fmt: skip


def test_09_pages_fit_a_tablet(
    contexts, live_users: dict[str, SeededUser], screenshots: Screenshots
) -> None:  # fmt: skip
    """At 768 px no page of the journey scrolls sideways (a wide table may scroll itself)."""
    page = sign_in(contexts("coordinator", TABLET), live_users["coordinator"])
    wide = {}
    for path in TABLET_PAGES:
        url = path.format(pk=STATE["pk"], treated=STATE.get("treated_pk", STATE["pk"]))
        _open(page, url, screenshots, f"tablet {url}")
        if (overflow := horizontal_overflow_px(page)) > 0:
            wide[url] = overflow
    assert wide == {}, f"pages wider than a 768 px tablet (px too wide): {wide}"
