"""The case page's faster reads give what the slower ones gave.

- the safety screen, read without assessing a policy, is the assess workflow's own
  (``kypho.workflows.assess.assess_case``) for every example case, and its message for
  a case dated after today;
- the checklist and decisions of a case with a history, read twice (the second time
  from the memo of stored assessments), and on two databases whose case 1 differ;
- the criteria tree and the worklist rows, built in Python, escape hostile text.

Expected words are the ones ``test_web_cases_page.py`` reads off the CLI.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from kypho_cases_support import EXAMPLES, body, example, example_stems, fix_clock, token_for
from test_web_cases_page import MRI_OF_T11, NEW_REFERRAL, _checklist, section

from kypho.casefile import parse_case
from kypho.config import Settings
from kypho.store.assessments import (
    assessment_history,
    case_decisions,
    latest_assessments,
    missing_checklist,
)
from kypho.store.cases import StoredCase
from kypho.store.engine import make_engine, session_factory
from kypho.store.models import Case, Patient
from kypho.store.schema import upgrade
from kypho.store.stages import CaseStage, Stage
from kypho.store.worklist import CaseRow
from kypho.web.app import create_app
from kypho.web.pages.case_page import _safety, criteria_html
from kypho.web.pages.worklist import rows_html
from kypho.workflows.assess import assess_case
from kypho.workflows.policies import resolve_policies

TODAY = date(2026, 11, 27)  # kypho_cases_support.NOW
HOSTILE = "<script>alert('x')</script> & \"quoted\""


def _stored(stem: str) -> StoredCase:
    text = (EXAMPLES / f"{stem}.json").read_text()
    case = parse_case(text, source=f"case {stem}")
    row = Case(id=7, case_ref=case.case_id, patient_id=1, version=1)
    return StoredCase(row=row, patient=Patient(id=1, mrn="M", name="N"), version=1,
                      document=text, case=case)  # fmt: skip


@pytest.mark.parametrize("stem", example_stems())
def test_safety_screen_is_the_assess_workflows(stem: str) -> None:
    stored = _stored(stem)
    policies = resolve_policies((), (), settings=Settings())
    full = assess_case(stored.case, policies[:1], on=TODAY, source="case 7")
    shown = _safety(stored, TODAY)
    assert shown == {
        "present": full.contraindications_present,
        "not_recorded": full.contraindications_not_recorded,
        "error": "",
    }


def test_safety_screen_of_the_discitis_names_it() -> None:
    shown = _safety(_stored("09-discitis"), TODAY)
    assert shown["present"] == (
        "absolute contraindication: Discitis (contraindications.discitis: yes)",
    )


def test_safety_screen_of_a_case_dated_after_today_says_why() -> None:
    stored = _stored(NEW_REFERRAL)  # its radiograph is dated 2026-11-11
    shown = _safety(stored, date(2026, 11, 10))
    assert shown["present"] == () and shown["not_recorded"] == ()
    assert "expected a date on or before the assessment date 2026-11-10" in shown["error"]
    assert _safety(stored, date(2026, 11, 11))["error"] == ""  # the day itself is fine


def test_checklist_of_a_history_read_twice_and_as_before(users, web_engine) -> None:  # noqa: ANN001
    coordinator = users.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(NEW_REFERRAL)).json()["id"]
    case = example(NEW_REFERRAL)
    case["imaging"].append(MRI_OF_T11)
    for version in (1, 2, 3):  # the MRI arrives with version 2; 3 and 4 change nothing
        change = {"case": case, "expected_version": version}
        saved = coordinator.put(f"/api/cases/{pk}", json=change)
        assert saved.status_code == 200, saved.text
    first, again = (coordinator.get(f"/cases/{pk}").text for _ in range(2))
    assert first == again
    items = _checklist(first)
    assert items["MRI of T11 reporting whether the fracture is acute"] == "done"
    assert items["MRI of T11 within 30 days before the procedure"] == "done"
    assert items["two dated pain scores (to show the trend)"] == "open"
    assert first.count("<td>4</td>") == 1 and "<td>1</td><td>" in section(first, "history")
    with session_factory(web_engine)() as db:  # the page's reading is the slow one's
        found = case_decisions(db, pk)
        latest = latest_assessments(db, pk)
        assert [row.id for row, _ in found.latest] == [row.id for row in latest]
        assert found.checklist == missing_checklist(assessment_history(db, pk), latest)


def _app_with(tmp_path: Path, name: str, stem: str) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    upgrade(engine)
    app = create_app(Settings(data_dir=tmp_path / name / "data",
                              secret_key="test-secret-" + "x" * 32), engine=engine)  # fmt: skip
    fix_clock(app)
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {token_for(engine, 'coordinator', 'c')}"
    assert client.post("/api/cases", json=body(stem)).json()["id"] == 1
    return client


def test_two_databases_each_show_their_own_case_1(tmp_path: Path) -> None:
    discitis = _app_with(tmp_path, "a.sqlite3", "09-discitis")
    referral = _app_with(tmp_path, "b.sqlite3", NEW_REFERRAL)
    for _ in range(2):  # the second reads come from the memo: still each its own
        one = section(discitis.get("/cases/1").text, "decisions")
        other = section(referral.get("/cases/1").text, "decisions")
        assert "<strong>NOT A CANDIDATE</strong>" in one
        assert "<strong>NEEDS INFORMATION</strong>" not in one
        assert other.count("<strong>NEEDS INFORMATION</strong>") == 2


def _criterion(text: str, children: list[dict[str, object]]) -> dict[str, object]:
    return {"text": text, "mark": "[NO]", "mark_class": "no", "word": "NOT met",
            "observed": "20.0 %", "bar": "threshold", "threshold": "> 25%",
            "sources": ["PCI, section \"Candidates\""], "level": "T11",
            "children": children}  # fmt: skip


def test_criteria_html_nests_and_escapes() -> None:
    html = str(criteria_html([_criterion(HOSTILE, [_criterion("child", [])])]))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quoted&#34;" in html
    assert html.count('<ul class="criteria">') == 2 and html.count("</ul>") == 2
    assert html.index("child") > html.index("&lt;script&gt;")
    assert html.index("child") < html.rindex("</ul>", 0, html.rindex("</ul>"))  # inside
    assert '<span class="mark">[NO]</span> <span class="muted">T11:</span> child' in html
    assert '<div class="detail">NOT met: 20.0 % (threshold: &gt; 25%)</div>' in html
    assert "Source: PCI, section &#34;Candidates&#34;" in html


def test_worklist_rows_escape_and_say_not_assessed() -> None:
    stage = CaseStage(stage=Stage.NEEDS_INFORMATION, next_action=HOSTILE, overdue=())
    row = CaseRow(case_pk=3, case_ref="EX-<b>", version=1, patient_id=1,
                  patient_name=HOSTILE, mrn="M&1", stage=stage)  # fmt: skip
    html = str(rows_html([row, replace(row, decisions={"practice": "candidate"})]))
    assert "<script>" not in html and "<b>" not in html
    assert '<a href="/cases/3">&lt;script&gt;' in html
    assert '<td class="nowrap">M&amp;1</td>' in html
    assert '<span class="badge stage-needs_information">Needs information</span>' in html
    assert html.count('<span class="muted">not assessed</span>') == 1
    assert "<div>practice: candidate</div>" in html
    late = rows_html([replace(row, stage=replace(stage, overdue=("window closes",)))])
    assert re.search(r'<tr class="overdue-row">.*Overdue: window closes', str(late), re.S)
