"""``kypho plan`` and ``kypho outcomes`` end to end, through ``kypho.cli.main``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from kypho.cli import main

CONTRAINDICATIONS = (
    "osteomyelitis", "discitis", "systemic_infection", "surgical_site_infection",
    "uncorrected_coagulopathy", "cement_allergy", "contrast_allergy", "spinal_instability",
    "myelopathy", "neurologic_deficit", "neural_impingement",
)  # fmt: skip
CASE = {
    "case_id": "CLI-001",
    "patient": {"age_years": 78, "sex": "female", "weight": {"value": 115, "unit": "lb"},
                "on_anticoagulants": False, "asa_class": 2, "pregnant": False,
                "risk_factors": {"smoker": True, "chronic_steroid_use": False}},
    "fractures": [{"level": "L1", "etiology": "osteoporotic", "symptom_onset_date": "2026-02-01",
                   "pain_attributed_to_fracture": True}],
    "imaging": [{"modality": "mri", "date": "2026-02-20", "findings": [
        {"level": "L1", "marrow_edema": True, "appearance": "acute", "height_loss_pct": 30,
         "progression": True, "kyphotic_deformity": False, "retropulsion": False}]}],
    "pain": [{"score": 8, "date": "2026-02-25", "hospitalized": False}],
    "function": [{"instrument": "ODI", "score": 60, "date": "2026-02-25"},
                 {"instrument": "RDQ", "score": 19, "date": "2026-02-25"}],
    "conservative_care": [
        {"modality": "analgesics", "start_date": "2026-02-02", "response": "worse"},
        {"modality": "bracing", "start_date": "2026-02-02", "response": "unchanged"}],
    "contraindications": dict.fromkeys(CONTRAINDICATIONS, False),
    "continuum_of_care": {"bmd_referral_with_education": True,
                          "osteoporosis_program_instruction": True},
    "procedure": {"date": "2026-03-10", "levels": ["L1"]},
}  # fmt: skip
FOLLOWED_UP = dict(CASE, follow_up=[{"date": "2026-04-01", "nrs": 3, "odi_pct": 30, "rdq": 10,
                                     "new_fractures": [], "complications": []}])  # fmt: skip


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    return path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_plan(capsys, case_file) -> None:
    code, out, _ = _run(capsys, "plan", str(case_file), "--on", "2026-03-02")
    assert code == 0
    assert "decision candidate" in out
    assert "L1: bipedicular; balloon 15/x (medium); cement 4.5-6 mL (morphometry); CPT 22514" in out
    assert "duration: 30-60 min" in out
    assert "decision support" in out


def test_json_plan(capsys, case_file) -> None:
    code, out, _ = _run(capsys, "plan", str(case_file), "--on", "2026-03-02", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["levels"][0]["billing_code"] == "22514"
    assert data["procedure_date"] == "2026-03-10"
    assert data["anesthesia"]["value"] == "local_with_sedation"
    assert any(r["rate_text"] == "rate not established in our sources" for r in data["risks"])


def test_markdown_plan_outside_window_warns(capsys, case_file) -> None:
    code, out, _ = _run(capsys, "plan", str(case_file), "--on", "2026-03-02",
                        "--procedure-date", "2026-05-20", "--format", "markdown")  # fmt: skip
    assert code == 0
    assert out.startswith("# Procedure plan\n")
    assert "outside the window" in out


def test_documents_written_and_parsed_back(capsys, case_file, tmp_path) -> None:
    consent, discharge, ics = tmp_path / "c.pdf", tmp_path / "d.html", tmp_path / "r.ics"
    code, _, err = _run(capsys, "plan", str(case_file), "--on", "2026-03-02",
                        "--consent", str(consent), "--discharge", str(discharge),
                        "--calendar", str(ics), "--procedure-end", "2026-03-10T09:40")  # fmt: skip
    assert code == 0, err
    reader = PdfReader(io.BytesIO(consent.read_bytes()))
    assert len(reader.pages) <= 4  # 12 pt body text, every risk with its source
    assert "Consent for balloon kyphoplasty" in reader.pages[0].extract_text()
    html = discharge.read_text(encoding="utf-8")
    assert "Tue 10 Mar, 09:40 to 10:10" in html
    assert "Case ref: CLI-001" in html  # the case reference on every page
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    first = "Book your first follow-up (2-4 weeks): between"
    assert any(str(e["summary"]).startswith(first) for e in events)


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--procedure-date", "2026-02-30"), "--procedure-date: expected a date as YYYY-MM-DD"),
     (("--consent", "consent.docx"), "--consent: expected a file ending in .pdf or .html"),
     (("--procedure-end", "noon", "--calendar", "x.ics"), "--procedure-end: expected")],
)  # fmt: skip
def test_bad_input_exits_2_with_one_message(capsys, case_file, args, message) -> None:
    code, out, err = _run(capsys, "plan", str(case_file), "--on", "2026-03-02", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_not_a_candidate_is_refused_unless_overridden(capsys, tmp_path) -> None:
    old = dict(
        CASE,
        fractures=[dict(CASE["fractures"][0], symptom_onset_date="2025-06-01")],
        contraindications=dict(CASE["contraindications"], osteomyelitis=True),
    )
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    code, out, err = _run(capsys, "plan", str(path), "--on", "2026-03-02")
    assert code == 1
    assert "PLAN REFUSED" in out
    assert "--override" in err
    code, out, err = _run(capsys, "plan", str(path), "--on", "2026-03-02",
                          "--override", "tumour board agreed")  # fmt: skip
    assert code == 2 and "--overridden-by: expected the name of the physician" in err
    code, out, _ = _run(capsys, "plan", str(path), "--on", "2026-03-02",
                        "--override", "tumour board agreed",
                        "--overridden-by", "Dr Osei")  # fmt: skip
    assert code == 0
    assert "overridden by: Dr Osei\nreason: tumour board agreed" in out
    # every refusal reason is restated after the override
    assert "planned despite: absolute contraindication: Osteomyelitis" in out
    assert "planned despite: L1: not met: The fracture happened within the last 12 weeks" in out


def test_outcomes(capsys, tmp_path) -> None:
    case_file = tmp_path / "followed.json"
    case_file.write_text(json.dumps(FOLLOWED_UP), encoding="utf-8")
    code, out, _ = _run(capsys, "outcomes", str(case_file))
    assert code == 0
    assert "VISIT 2026-04-01 (DAY 22)" in out
    assert "NRS: 3; improvement +5; MCID 2 met" in out
    code, out, _ = _run(capsys, "outcomes", str(case_file), "--format", "json")
    data = json.loads(out)
    assert data["visits"][0]["changes"][1]["improvement_points"] == 30


def test_outcomes_without_procedure_date_exits_2(capsys, tmp_path) -> None:
    path = tmp_path / "nodate.json"
    path.write_text(json.dumps(dict(CASE, procedure={"levels": ["L1"]})), encoding="utf-8")
    code, _, err = _run(capsys, "outcomes", str(path))
    assert code == 2
    assert "expected a procedure date" in err
