"""Outcomes as of a date with the case's chronology; relative contraindications warn, plan."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from kypho.casefile import load_case, parse_case
from kypho.errors import InvalidInput
from kypho.policyfile import load_policy
from kypho.workflows.outcomes import case_outcomes
from kypho.workflows.plan import plan_case

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON = date(2026, 11, 21)
# EX-01: L1 onset 2026-10-17, MRI 2026-11-13, procedure date in the file 2026-11-28.
EX01 = json.loads((EXAMPLES / "01-acute-l1-worsening-candidate.json").read_text())


def treated(visits: list[dict[str, object]], *, procedure: str = "2026-11-26") -> object:
    raw = dict(EX01, procedure=dict(EX01["procedure"], date=procedure), follow_up=visits)
    return parse_case(json.dumps(raw), source="ex01.json")


def test_outcomes_on_the_day_after_the_last_visit() -> None:
    case = treated([{"date": "2026-12-24", "nrs": 3}])
    report = case_outcomes(case, procedure_date=None, on=date(2026, 12, 24))
    assert [v.visit_date for v in report.visits] == [date(2026, 12, 24)]
    with pytest.raises(InvalidInput, match=r"ex01.json: follow_up\[0\].date: expected a date on"):
        case_outcomes(case, procedure_date=None, on=date(2026, 12, 23))


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 10, 16), "expected a date on or after the symptom onset at L1 (2026-10-17)"),
        (
            date(2026, 11, 12),
            "expected a date on or after MRI 2026-11-13 (study MR-1), the earliest",
        ),
        (date(2026, 12, 25), "expected a date on or before --on (2026-12-24)"),
    ],
)
def test_a_procedure_date_that_cannot_be_is_bad_input(day: date, message: str) -> None:
    case = treated([])
    with pytest.raises(
        InvalidInput, match=r"--procedure-date: " + message.replace("(", r"\(").replace(")", r"\)")
    ):
        case_outcomes(case, procedure_date=day, on=date(2026, 12, 24))


def test_the_first_days_a_procedure_date_can_be() -> None:
    case = treated([])
    assert case_outcomes(case, procedure_date=date(2026, 11, 13), on=ON).procedure_date == date(
        2026, 11, 13
    )
    with pytest.raises(
        InvalidInput, match=r"ex01.json: procedure.date: expected a date on or after MRI"
    ):
        case_outcomes(treated([], procedure="2026-11-12"), procedure_date=None, on=ON)


def test_imaging_after_the_procedure_is_part_of_a_treated_case() -> None:
    # EX-01's MRI (2026-11-13) came before the procedure (2026-11-26); a follow-up CT
    # on 2026-12-20 shows L1 after treatment. Outcomes must still be reported.
    ct = {"modality": "ct", "date": "2026-12-20", "study_id": "CT-FU",
          "findings": [{"level": "L1", "appearance": "acute"}]}  # fmt: skip
    visits = [{"date": "2026-12-24", "nrs": 3}]
    raw = dict(EX01, procedure=dict(EX01["procedure"], date="2026-11-26"),
               imaging=[*EX01["imaging"], ct], follow_up=visits)  # fmt: skip
    case = parse_case(json.dumps(raw), source="ex01.json")
    report = case_outcomes(case, procedure_date=None, on=date(2026, 12, 24))
    assert report.procedure_date == date(2026, 11, 26)
    # The day before the MRI is still impossible, with the follow-up CT in the file.
    with pytest.raises(InvalidInput, match=r"on or after MRI 2026-11-13 \(study MR-1\)"):
        case_outcomes(case, procedure_date=date(2026, 11, 12), on=date(2026, 12, 24))


def test_no_procedure_date_is_bad_input() -> None:
    raw = dict(EX01, procedure={"levels": ["L1"]})
    with pytest.raises(InvalidInput, match="expected a procedure date"):
        case_outcomes(parse_case(json.dumps(raw)), procedure_date=None, on=ON)


def test_relative_contraindications_are_warnings_on_a_plan_not_a_refusal() -> None:
    case = load_case(EXAMPLES / "06-retropulsion-l2.json")
    plan = plan_case(case, load_policy("practice"), on=ON, procedure_date=date(2026, 11, 26)).plan
    assert not plan.refused and plan.refusal_reasons == ()
    assert plan.warnings[0].startswith(
        "L2: needs the physician's review: Significant bone retropulsed"
    )
    assert any(w.startswith("relative contraindication: Retropulsion") for w in plan.warnings)


@pytest.mark.parametrize(("days", "ok"), [(365, True), (366, False)])
def test_a_procedure_date_within_a_year_of_on(days: int, ok: bool) -> None:
    case = load_case(EXAMPLES / "01-acute-l1-worsening-candidate.json")
    day = ON + timedelta(days=days)
    if ok:
        assert (
            plan_case(case, load_policy("practice"), on=ON, procedure_date=day).plan.procedure_date
            == day
        )
    else:
        with pytest.raises(
            InvalidInput, match="--procedure-date: expected a procedure date within 365 days"
        ):
            plan_case(case, load_policy("practice"), on=ON, procedure_date=day)
