"""The case page: decisions, folded criteria with sources, the checklist, the safety screen.

Expected words are read off ``kypho assess ... --on 2026-11-27 --format text`` for the
same example files (the CLI's explanation), not computed here.
"""

from __future__ import annotations

import re

from kypho_cases_support import body, example

NEW_REFERRAL = "05-new-referral-radiograph-only"
MRI_OF_T11 = {
    "modality": "mri", "date": "2026-11-20", "study_id": "MR-5",
    "findings": [{"level": "T11", "marrow_edema": True, "appearance": "acute",
                  "height_loss_pct": 20, "kyphotic_deformity": False, "retropulsion": False,
                  "progression": False}],
}  # fmt: skip


def section(html: str, name: str) -> str:
    """The HTML of ``<section id="name">`` (sections do not nest on this page)."""
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def _checklist(html: str) -> dict[str, str]:
    """Checklist item text -> "open" or "done"."""
    items = re.findall(r'<li class="(open|done)">.*?<span class="item">(.*?)</span>',
                       section(html, "checklist"), re.S)  # fmt: skip
    return {text.strip(): state for state, text in items}


def test_decisions_and_folded_criteria_with_sources(users) -> None:  # noqa: ANN001
    coordinator = users.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    page = users.api("read_only").get(f"/cases/{pk}")
    assert page.status_code == 200
    decisions = section(page.text, "decisions")
    assert decisions.count("<strong>NEEDS INFORMATION</strong>") == 2  # practice, Medicare
    assert "Practice criteria for balloon kyphoplasty" in decisions
    assert "as of 2026-11-27, case version 1" in decisions
    assert decisions.count("<details>") == 3  # one folded tree per policy
    criterion = decisions.index("Height loss &gt; 25 % (exactly 25 % does not count)")
    shown = decisions[criterion : criterion + 600]
    assert "NOT met: 20.0 % on radiograph 2026-11-11 (study XR-5) (threshold: &gt; 25%)" in shown
    assert "Source: Balloon Kyphoplasty, PCI, section &#34;Candidates&#34;" in shown
    head = section(page.text, "decisions").split("<details>")[0]
    assert "Criteria" not in head


def test_glance_and_links(users) -> None:  # noqa: ANN001
    pk = users.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    page = users.api("coordinator").get(f"/cases/{pk}").text
    assert "Testpatient Number5" in page
    assert "MRN MRN-0005" in page
    assert "<dt>Age</dt><dd>79 years</dd>" in page
    assert "<dt>Levels</dt><dd>T11</dd>" in page
    for link in ("edit", "imaging", "plan", "schedule", "follow-up"):
        assert f'href="/cases/{pk}/{link}"' in page
    timeline = section(page, "timeline")
    assert "2026-11-27</time> Today" in timeline
    assert "RADIOGRAPH XR-5 (16 days (2 weeks 2 days) old)" in timeline
    assert "T11 onset (25 days (3 weeks 4 days) ago)" in timeline
    assert "<strong>2026-11-27 to 2027-01-25</strong>" in timeline


def test_missing_facts_checklist_closes_when_the_data_arrive(users) -> None:  # noqa: ANN001
    coordinator = users.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    before = _checklist(coordinator.get(f"/cases/{pk}").text)
    assert before["MRI of T11 reporting whether the fracture is acute"] == "open"
    assert before["two dated pain scores (to show the trend)"] == "open"
    assert set(before.values()) == {"open"}
    case = example(NEW_REFERRAL)
    case["imaging"].append(MRI_OF_T11)
    saved = coordinator.put(f"/api/cases/{pk}", json={"case": case, "expected_version": 1,
                                                       "note": "MRI report received"})  # fmt: skip
    assert saved.status_code == 200, saved.text
    page = coordinator.get(f"/cases/{pk}").text
    after = _checklist(page)
    assert after["MRI of T11 reporting whether the fracture is acute"] == "done"
    assert after["MRI of T11 within 30 days before the procedure"] == "done"
    assert after["two dated pain scores (to show the trend)"] == "open"
    history = section(page, "history")
    assert "MRI report received" in history
    assert "<td>2</td><td>coordinator" in history


def test_safety_screen_shows_the_discitis(users) -> None:  # noqa: ANN001
    pk = users.api("coordinator").post("/api/cases", json=body("09-discitis")).json()["id"]
    page = users.api("read_only").get(f"/cases/{pk}").text
    safety = section(page, "safety")
    assert 'class="safety danger"' in safety
    assert "PRESENT:</strong> absolute contraindication: Discitis" in safety
    assert page.index('id="safety"') < page.index('id="decisions"')


def test_reassess_button_stores_new_assessments(users) -> None:  # noqa: ANN001
    coordinator = users.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    answer = coordinator.post(f"/cases/{pk}/assess", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{pk}"
    assert len(coordinator.get(f"/api/cases/{pk}/assessments").json()["items"]) == 6


def test_roles_on_the_case_page(users, client) -> None:  # noqa: ANN001
    pk = users.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    reader = users.api("read_only")
    assert reader.get(f"/cases/{pk}").status_code == 200
    assert 'href="/cases/1/edit"' not in reader.get(f"/cases/{pk}").text
    assert reader.post(f"/cases/{pk}/assess").status_code == 403
    assert users.api("administrator").get(f"/cases/{pk}").status_code == 403
    assert client.get(f"/cases/{pk}", follow_redirects=False).status_code == 303
    assert users.api("read_only").get("/cases/999").status_code == 404


def test_reassess_form_with_a_session_needs_its_csrf_token(users, client) -> None:  # noqa: ANN001
    from web.conftest import PASSWORD  # the test users' password

    users.make("coordinator", username="coord")
    from web.security.web_security_helpers import sign_in_form

    signed_in = sign_in_form(client, "coord", PASSWORD)
    assert signed_in.status_code == 303, signed_in.text
    pk = client.post("/api/cases", json=body(NEW_REFERRAL))  # a session POST without a token
    assert pk.status_code == 403
    pk = users.api("coordinator").post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    page = client.get(f"/cases/{pk}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', section(page, "decisions"))
    assert token is not None
    assert client.post(f"/cases/{pk}/assess", follow_redirects=False).status_code == 403
    done = client.post(f"/cases/{pk}/assess", data={"csrf_token": token[1]},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
