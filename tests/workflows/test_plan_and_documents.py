"""The plan and documents workflows on the bundled examples: values in, bytes out, no I/O."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from kypho.casefile import load_case
from kypho.config import Settings
from kypho.errors import InvalidInput
from kypho.policyfile import load_policy
from kypho.workflows.documents import DocumentKind, build_documents, check_procedure_end
from kypho.workflows.plan import plan_case
from kypho.workflows.policies import policy_from_text, resolve_policies

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON = date(2026, 11, 21)
DAY = date(2026, 11, 26)  # a Thursday inside EX-01's window
NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
END = datetime(2026, 11, 26, 9, 0)
SETTINGS = Settings(clinic_name="Example Spine Clinic", clinic_phone="555-0100",
                    clinic_time_zone="America/Chicago")  # fmt: skip


def planned(stem: str, **options: object):  # type: ignore[no-untyped-def]
    case = load_case(EXAMPLES / f"{stem}.json")
    return plan_case(case, load_policy("practice"), on=ON, procedure_date=DAY, **options)


def test_a_candidate_is_planned_and_its_assessment_kept() -> None:
    done = planned("01-acute-l1-worsening-candidate")
    assert not done.plan.refused
    assert done.assessment.policy_id == "practice" and done.plan.procedure_date == DAY


def test_an_override_needs_a_physician() -> None:
    with pytest.raises(InvalidInput, match="--overridden-by: expected the name of the physician"):
        planned("09-discitis", override_reason="MDT agreed")
    done = planned("09-discitis", override_reason="MDT agreed",
                   overridden_by="Dr A. Example")  # fmt: skip
    assert not done.plan.refused and done.plan.overridden_by == "Dr A. Example"


def test_a_triage_policy_cannot_plan() -> None:
    case = load_case(EXAMPLES / "09-discitis.json")
    with pytest.raises(InvalidInput, match="--policy: expected a candidacy or coverage policy"):
        plan_case(case, load_policy("vcf-suspicion"), on=ON)


def test_documents_are_bytes_keyed_by_path_with_the_clinic_from_settings(tmp_path: Path) -> None:
    plan = planned("01-acute-l1-worsening-candidate").plan
    wanted = {
        DocumentKind.CONSENT: tmp_path / "consent.pdf",
        DocumentKind.DISCHARGE: tmp_path / "discharge.html",
        DocumentKind.CALENDAR: tmp_path / "recovery.ics",
    }
    end = datetime(2026, 11, 26, 9, 0)
    files = build_documents(plan, wanted, ended_at=end, settings=SETTINGS, now=NOW)
    assert set(files) == set(wanted.values())
    assert not any(p.exists() for p in files)  # nothing written by the workflow itself
    text = PdfReader(io.BytesIO(files[wanted[DocumentKind.CONSENT]])).pages[0].extract_text()
    assert "Example Spine Clinic" in text
    assert "555-0100" in files[wanted[DocumentKind.DISCHARGE]].decode("utf-8")
    cal = Calendar.from_ical(files[wanted[DocumentKind.CALENDAR]])
    zones = [str(z["tzid"]) for z in cal.walk("VTIMEZONE")]
    assert zones == ["America/Chicago"]


def test_a_refused_plan_has_no_documents(tmp_path: Path) -> None:
    plan = planned("09-discitis").plan
    assert plan.refused
    with pytest.raises(InvalidInput, match="the plan was refused"):
        build_documents(plan, {DocumentKind.CONSENT: tmp_path / "c.pdf"},
                        ended_at=END, settings=SETTINGS, now=NOW)  # fmt: skip


def test_a_wrong_suffix_names_the_option(tmp_path: Path) -> None:
    plan = planned("01-acute-l1-worsening-candidate").plan
    with pytest.raises(InvalidInput, match=r"--calendar: expected a file ending in \.ics"):
        build_documents(plan, {DocumentKind.CALENDAR: tmp_path / "r.pdf"},
                        ended_at=END, settings=SETTINGS, now=NOW)  # fmt: skip


def test_procedure_end_on_the_day_or_the_night_after() -> None:
    plan = planned("01-acute-l1-worsening-candidate").plan
    for ok in (datetime(2026, 11, 26, 0, 0), datetime(2026, 11, 27, 23, 59)):
        assert check_procedure_end(plan, ok) == ok
    for bad in (datetime(2026, 11, 25, 23, 59), datetime(2026, 11, 28, 0, 0)):
        with pytest.raises(InvalidInput, match="--procedure-end: expected a time on the"):
            check_procedure_end(plan, bad)
    with pytest.raises(InvalidInput, match="expected a procedure date"):
        check_procedure_end(replace(plan, procedure_date=None), END)


def test_discharge_and_calendar_need_the_time_it_ended_the_consent_does_not(tmp_path: Path) -> None:
    plan = planned("01-acute-l1-worsening-candidate").plan
    with pytest.raises(InvalidInput, match="--procedure-end: expected when the procedure ended"):
        build_documents(plan, {DocumentKind.DISCHARGE: tmp_path / "d.html"},
                        ended_at=None, settings=SETTINGS, now=NOW)  # fmt: skip
    files = build_documents(plan, {DocumentKind.CONSENT: tmp_path / "c.html"},
                            ended_at=None, settings=SETTINGS, now=NOW)  # fmt: skip
    assert b"Consent for balloon kyphoplasty" in files[tmp_path / "c.html"]


def test_a_blank_override_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match="--override: expected the physician's reason"):
        planned("09-discitis", override_reason="  ", overridden_by="Dr A. Example")


POLICY = """id = "payer-y"
title = "Payer Y"
version = "1"
kind = "coverage"
source = "contract 9"

[[criterion]]
id = "recent"
text = "Fracture within 6 weeks"
cites = ["contract 9 s.1"]
test = { fact = "fracture_age_days", op = "<=", value = 42 }
"""


def test_policies_default_named_and_from_files(tmp_path: Path) -> None:
    assert [p.id for p in resolve_policies((), (), settings=SETTINGS)] == list(
        SETTINGS.default_policies
    )
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(POLICY, encoding="utf-8")
    second.write_text(POLICY, encoding="utf-8")
    found = resolve_policies(("practice",), (first,), settings=SETTINGS)
    assert [p.id for p in found] == ["practice", "payer-y"]
    with pytest.raises(InvalidInput, match="b.toml"):  # two user files with one id
        resolve_policies((), (first, second), settings=SETTINGS)


def test_a_policy_from_text_is_checked_and_may_not_shadow_a_bundled_one() -> None:
    assert policy_from_text(POLICY, source="upload", settings=SETTINGS).id == "payer-y"
    with pytest.raises(InvalidInput, match="practice"):
        policy_from_text(POLICY.replace("payer-y", "practice"), source="upload", settings=SETTINGS)
