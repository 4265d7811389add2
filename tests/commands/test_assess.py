"""``kypho assess`` and ``kypho policies`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kypho.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON = "2026-11-21"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_puts_the_decision_first_then_criteria_with_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    code, out, _ = run(capsys, "assess", str(case), "--policy", "medicare-l34106", "--on", ON)
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == "EX-01: medicare-l34106 candidate (L1)"  # every policy's verdict first
    assert lines[4] == "Safety screen: no contraindication recorded"
    assert lines[7].startswith("DECISION: CANDIDATE")
    assert "[ok] Acute (< 6 weeks) or subacute (6-12 weeks) fracture" in out
    assert "35 days (5 wk 0 d, acute) since onset 2026-10-17" in out
    assert "source: LCD L34106 inclusion I-1, rule R1" in out
    assert "CPT codes if performed: 22514 (L1)" in out
    assert "Decision support only" in out


def test_json_is_stable_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    case = EXAMPLES / "05-new-referral-radiograph-only.json"
    code, out, _ = run(capsys, "assess", str(case), "-p", "practice", "--on", ON, "-f", "json")
    assert code == 0
    doc = json.loads(out)
    a = doc["cases"][0]["assessments"][0]
    assert {"policy", "decision", "criteria", "missing", "procedure_window"} <= a.keys()
    assert a["policy"] == "practice" and a["decision"] == "needs_information"
    for c in a["criteria"]:
        assert {"id", "outcome", "observed", "source"} <= c.keys()
        assert c["outcome"] in ("met", "not_met", "unknown")
    assert "MRI of T11 within 30 days before the procedure" in [m["document"] for m in a["missing"]]


def test_markdown_has_a_table_per_level(capsys: pytest.CaptureFixture[str]) -> None:
    case = EXAMPLES / "07-four-levels-one-session.json"
    code, out, _ = run(
        capsys, "assess", str(case), "-p", "medicare-l34106", "--on", ON, "-f", "markdown"
    )
    assert code == 0
    assert "**Decision (2026-11-21): NEEDS REVIEW - " in out
    assert out.count("### Level ") == 4
    assert "| Criterion | Outcome | Observed | Threshold | Source |" in out


def test_a_folder_assesses_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", str(EXAMPLES), "--on", ON, "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert len(doc["cases"]) == len(list(EXAMPLES.glob("*.json")))
    assert all(len(c["assessments"]) == 3 for c in doc["cases"])


def test_policies_lists_versions_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policies")
    assert code == 0
    assert "medicare-l34106  (coverage, version 2021-01-10" in out
    assert "source: Clinic pages 001_ed546894017ef93a.txt" in out
    code, out, _ = run(capsys, "policies", "--show", "vcf-suspicion")
    assert "sign-midline [score, patient]: Midline back pain" in out


def test_a_payer_policy_file_is_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payer = tmp_path / "payer.toml"
    payer.write_text(
        'id = "payer-x"\ntitle = "Payer X"\nversion = "1"\nkind = "coverage"\n'
        'source = "contract 7"\n'
        '[[criterion]]\nid = "age"\ntext = "Fracture within 4 weeks"\ncites = ["contract 7 s.2"]\n'
        'test = { fact = "fracture_age_days", op = "<=", value = 28 }\n',
        encoding="utf-8",
    )
    case = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    code, out, _ = run(capsys, "assess", str(case), "--policy-file", str(payer), "--on", ON)
    assert code == 0
    assert "DECISION: NOT A CANDIDATE" in out  # onset 35 days before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--on", "2026-02-30"], "--on: expected a date as YYYY-MM-DD, got '2026-02-30'"),
        (["--policy", "aetna"], "policy: expected one of medicare-l34106, practice, vcf-suspicion"),
        (["--on", "2026-10-01"], "fractures[0].symptom_onset_date: expected a date on or before"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    case = EXAMPLES / "01-acute-l1-worsening-candidate.json"
    code, out, err = run(capsys, "assess", str(case), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_a_broken_case_file_names_the_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"case_id": "x", "fractures": [{"level": "L7"}]}', encoding="utf-8")
    code, _, err = run(capsys, "assess", str(bad), "--on", ON)
    assert code == 2
    assert "bad.json" in err and "fractures[0].level" in err and "L7" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "assess", str(empty))
    assert code == 2 and "found none" in err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "assess", "--bogus")
    assert code == 2
    assert "No such option" in err
