"""The clinician's plan in text, markdown and JSON: reasons and warnings first, human words."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date

import pytest

from kypho.documents import as_markdown, as_text, plan_json, plan_sections, to_json
from kypho.documents.clinician import screen_lines
from kypho.documents.words import humanize
from kypho.planning.types import ContraindicationClass, FactorStatus, ScreenItem
from kypho.rules.types import ProcedureWindow

INTERNAL_VALUES = ("local_with_sedation", "not_recorded", "office_suite", "needs_attention",
                   "needs_review", "outpatient_department", "same_day_office", "to_do")  # fmt: skip


def _item(name: str, status: FactorStatus, klass=ContraindicationClass.RELATIVE) -> ScreenItem:
    return ScreenItem(name=name, status=status, contraindication_class=klass, detail="yes",
                      citations=(), field=f"contraindications.{name.lower()}")  # fmt: skip


def _all_outputs(plan) -> tuple[str, str, str]:
    sections = plan_sections(plan)
    return as_text(sections), as_markdown(sections), plan_json(plan)


def test_headings_in_order_with_reasons_and_warnings_on_top(plan09, plan07) -> None:
    assert [h for h, _ in plan_sections(plan07)][:3] == ["Procedure plan", "Warnings",
                                                        "Safety screen"]  # fmt: skip
    headings = [h for h, _ in plan_sections(plan09)]
    assert headings[:5] == ["Procedure plan", "Refusal reasons (overridden)", "Override",
                            "Warnings", "Safety screen"]  # fmt: skip
    assert headings[-2:] == ["Missing facts", "Note"]


def test_override_restates_who_why_and_the_refusal_reasons(plan09) -> None:
    text, markdown, raw = _all_outputs(plan09)
    override = dict(plan_sections(plan09))["Override"]
    assert override[0] == "overridden by: Dr A. Example"
    assert override[1] == f"reason: {plan09.override_reason}"
    assert plan09.refusal_reasons  # kept after the override
    for reason in map(humanize, plan09.refusal_reasons):
        assert f"planned despite: {reason}" in override
        assert reason in text and reason in markdown
    data = json.loads(raw)
    assert list(data)[:8] == ["case_id", "policy_id", "decision", "refused", "refusal_reasons",
                              "override_reason", "overridden_by", "warnings"]  # fmt: skip
    assert data["refusal_reasons"] == list(plan09.refusal_reasons)
    assert data["overridden_by"] == "Dr A. Example"


def test_every_warning_in_text_markdown_and_json(plan07) -> None:
    text, markdown, raw = _all_outputs(plan07)
    assert plan07.warnings
    for warning in map(humanize, plan07.warnings):
        assert warning in text and f"- {warning}" in markdown
    assert json.loads(raw)["warnings"] == list(plan07.warnings)


def test_refused_plan_shows_reasons_without_override(plan09) -> None:
    refused = replace(plan09, refused=True, override_reason=None, overridden_by=None, levels=())
    sections = dict(plan_sections(refused))
    assert list(sections)[:4] == ["Plan refused", "Refusal reasons", "Warnings", "Safety screen"]
    assert "Override" not in sections and "Levels" not in sections
    assert sections["Refusal reasons"] == [humanize(r) for r in refused.refusal_reasons]


def test_no_internal_values_in_text_or_markdown(plan, plan07) -> None:
    for p in (plan, plan07):
        text, markdown, _ = _all_outputs(p)
        for value in INTERNAL_VALUES:
            assert value not in text and value not in markdown, value
    text, _, _ = _all_outputs(plan)
    assert "anaesthesia: local anaesthesia with sedation." in text
    assert "setting: office fluoroscopy suite." in text
    assert "observation: 15-30 min, then home the same day after a short watch." in text


def test_clinic_pages_named_by_title_and_file(plan) -> None:
    text, _, _ = _all_outputs(plan)
    assert "Alliance Spine and Pain Centers: Treatment Spotlight: Balloon Kyphoplasty " \
           "(004_243690246ebd197d.txt)" in text  # fmt: skip
    assert not re.search(r"(?<!\()\b00\d_[0-9a-f]{16}\.txt", text)  # never a bare hash name


def test_markdown_has_one_h1_then_h2s(plan07) -> None:
    markdown = as_markdown(plan_sections(plan07))
    headings = re.findall(r"^(#+) (.+)$", markdown, flags=re.M)
    assert headings[0] == ("#", "Procedure plan")
    assert {level for level, _ in headings[1:]} == {"##"}
    titled = as_markdown(plan_sections(plan07), title="Plan for EX-07")
    assert re.findall(r"^(#+) ", titled, flags=re.M)[:2] == ["#", "##"]
    assert titled.startswith("# Plan for EX-07\n\n## Procedure plan")


def test_safety_screen_present_then_not_recorded_then_absent_folded() -> None:
    screen = (
        _item("Discitis", FactorStatus.ABSENT, ContraindicationClass.ABSOLUTE),
        _item("Myelopathy", FactorStatus.NOT_RECORDED),
        _item("Pregnancy", FactorStatus.PRESENT, ContraindicationClass.ABSOLUTE),
        _item("Spinal instability", FactorStatus.ABSENT),
    )
    assert screen_lines(screen) == [
        "PRESENT (absolute): Pregnancy (yes)",
        "not recorded (relative): Myelopathy (record it in contraindications.myelopathy)",
        "absent: Discitis; Spinal instability",
    ]
    assert screen_lines(()) == ["no contraindication was screened"]


def test_safety_screen_of_a_real_plan(plan07) -> None:
    lines = dict(plan_sections(plan07))["Safety screen"]
    assert lines[0].startswith("PRESENT (relative): More than 3 levels in one session")
    assert lines[-1].startswith("absent: Osteomyelitis; Discitis;")
    assert len(lines) == 2  # one present, all the rest absent on one line


def test_window_lines(plan) -> None:
    def window_line(p) -> str:
        logistics = dict(plan_sections(p))["Logistics"]
        return next(line for line in logistics if line.startswith("procedure date"))

    assert window_line(replace(plan, window=None)).endswith(
        "window: not given by the candidacy engine"
    )
    closed = ProcedureWindow(
        on=date(2026, 11, 21), earliest=date(2026, 12, 1), latest=date(2026, 11, 30), constraints=()
    )
    assert window_line(replace(plan, window=closed)).endswith(
        "window: none (the criteria's dates do not overlap)"
    )


def test_to_json_adds_extra_keys_and_refuses_unknown_types(plan) -> None:
    @dataclass
    class Holder:
        when: date
        thing: object

    data = json.loads(to_json(Holder(when=date(2026, 1, 2), thing=None), extra=1))
    assert data == {"when": "2026-01-02", "thing": None, "extra": 1}
    with pytest.raises(TypeError, match="not JSON serialisable: set"):
        to_json(Holder(when=date(2026, 1, 2), thing={1}))
