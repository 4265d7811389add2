"""The assess workflow: one case under several policies, and batches that report per file."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from kypho.casefile import load_case
from kypho.cli import main
from kypho.errors import InvalidInput
from kypho.rules import load_policy
from kypho.workflows.assess import assess_case, assess_files

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ON = date(2026, 11, 21)
GOOD = ("01-acute-l1-worsening-candidate.json", "04-stable-pain-two-findings.json")
LIMIT_BYTES = 2_000_000


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in GOOD:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "02-broken.json").write_text('{"case_id": "x", "fractures": [{"level": "L7"}]}')
    (tmp_path / "notes.txt").write_text("not a case file")
    return tmp_path


def test_one_case_under_two_policies_keeps_their_order() -> None:
    case = load_case(EXAMPLES / GOOD[0])
    policies = (load_policy("medicare-l34106"), load_policy("practice"))
    found = assess_case(case, policies, on=ON)
    assert [a.policy_id for a in found.assessments] == ["medicare-l34106", "practice"]
    assert found.source == case.case_id


def test_no_policy_is_bad_input() -> None:
    case = load_case(EXAMPLES / GOOD[0])
    with pytest.raises(InvalidInput, match="expected at least one policy"):
        assess_case(case, (), on=ON)


def test_a_bad_file_is_listed_and_every_good_file_assessed(folder: Path) -> None:
    batch = assess_files(
        [folder], (load_policy("practice"),), on=ON, max_case_file_bytes=LIMIT_BYTES
    )
    assert [Path(f.source).name for f in batch.assessed] == list(GOOD)
    assert len(batch.failed) == 1 and not batch.ok
    bad = batch.failed[0]
    assert bad.source.endswith("02-broken.json")
    assert "02-broken.json" in bad.message and "fractures[0].level" in bad.message


def test_a_clean_batch_is_ok(folder: Path) -> None:
    (folder / "02-broken.json").unlink()
    batch = assess_files(
        [folder], (load_policy("practice"),), on=ON, max_case_file_bytes=LIMIT_BYTES
    )
    assert batch.ok and len(batch.assessed) == 2


def test_a_case_dated_after_on_fails_alone(folder: Path) -> None:
    (folder / "02-broken.json").unlink()
    later = folder / GOOD[1]  # its pain and function are scored on 2026-11-19: move them past ON
    later.write_text(later.read_text().replace("2026-11-19", "2026-11-25"))
    batch = assess_files(
        [folder], (load_policy("practice"),), on=ON, max_case_file_bytes=LIMIT_BYTES
    )
    assert [Path(f.source).name for f in batch.assessed] == [GOOD[0]]
    assert GOOD[1] in batch.failed[0].message
    assert "2026-11-25" in batch.failed[0].message


def test_an_empty_folder_is_listed(tmp_path: Path) -> None:
    batch = assess_files(
        [tmp_path], (load_policy("practice"),), on=ON, max_case_file_bytes=LIMIT_BYTES
    )
    assert not batch.assessed
    assert "found none" in batch.failed[0].message


def test_cli_prints_the_good_results_then_lists_the_bad_and_exits_2(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["assess", str(folder), "-p", "practice", "--on", ON.isoformat()])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.count("=== Case ") == 2
    assert "02-broken.json" in err and "fractures[0].level" in err
    assert "2 case file(s) assessed, 1 could not be read" in err
    assert "Traceback" not in err


def test_cli_json_lists_failures_beside_the_cases(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    code = main(["assess", str(folder), "-p", "practice", "--on", ON.isoformat(), "-f", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 2
    assert len(doc["cases"]) == 2
    assert [Path(f["file"]).name for f in doc["failed"]] == ["02-broken.json"]


def test_files_named_one_by_one_and_a_message_without_the_file_gets_it() -> None:
    one = EXAMPLES / GOOD[0]
    batch = assess_files([one], (load_policy("practice"),), on=ON, max_case_file_bytes=LIMIT_BYTES)
    assert [f.source for f in batch.assessed] == [str(one)]
    batch = assess_files([one], (), on=ON, max_case_file_bytes=LIMIT_BYTES)
    assert (
        batch.failed[0].message
        == f"{one}: policies: expected at least one policy to assess against, got none"
    )


def test_every_case_is_screened_whatever_the_policy_tests(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'id = "mine"\ntitle = "Mine"\nversion = "1"\nkind = "candidacy"\nsource = "x"\n'
        '[[criterion]]\nid = "adult"\ntext = "Adult"\ncites = ["x"]\n'
        'test = { fact = "age_years", op = ">=", value = 18 }\n',
        encoding="utf-8",
    )
    case = EXAMPLES / "09-discitis.json"
    code = main(["assess", str(case), "--policy-file", str(mine), "--on", ON.isoformat()])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[2] == "EX-09: mine candidate"
    assert (
        out[4]
        == "Safety screen: absolute contraindication: Discitis (contraindications.discitis: yes)"
    )
    clean = assess_case(load_case(EXAMPLES / GOOD[0]), (load_policy("practice"),), on=ON)
    assert clean.contraindications_present == () and clean.contraindications_not_recorded == ()
