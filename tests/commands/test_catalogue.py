"""``kypho policies``: the list with kinds, one policy in full, the facts, --check."""

from __future__ import annotations

from pathlib import Path

import pytest

from kypho.cli import main

GOOD = """\
id = "clinic-a"
title = "Clinic A"
version = "1"
source = "Clinic A handbook"
kind = "coverage"

[[criterion]]
id = "severe-pain"
text = "Severe pain"
cites = ["handbook 1"]
test = { fact = "pain_score", op = ">=", value = 7 }
"""


def test_the_list_shows_kind_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == 0
    out = capsys.readouterr().out
    assert "practice  (candidacy, version 2026-12-01, " in out
    assert "medicare-l34106  (coverage, version 2021-01-10, 34 criteria)" in out
    assert "vcf-suspicion  (triage, version 2018, 16 criteria)" in out


def test_show_prints_every_criterion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "--show", "practice"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Practice criteria for balloon kyphoplasty (clinic pages) (version ")
    assert "* pregnancy [exclude, patient]: Excluded: pregnancy" in out


def test_show_an_unknown_policy_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "--show", "aetna"]) == 2
    assert (
        "expected one of medicare-l34106, practice, vcf-suspicion; got 'aetna'"
        in capsys.readouterr().err
    )


def test_facts_lists_kind_and_unit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "--facts"]) == 0
    out = capsys.readouterr().out
    assert "pain_score  (number, /10, per patient): a dated NRS or VAS pain score" in out
    assert "fracture_age_days  (days, per level): " in out


def test_check_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["policies", "--check", str(path)]) == 0
    assert capsys.readouterr().out == "ok: clinic-a (coverage, 1 criteria)\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('kind = "coverage"\n', ""), "kind: expected this required key"),
        (
            GOOD.replace('op = ">="', 'op = "=>"'),
            'criterion[0].test.op (criterion "severe-pain"): expected one of',
        ),
        (GOOD.replace('"clinic-a"', '"practice"'), "id: expected an id no other policy has"),
        (GOOD + "[[criterion]\n", "line 12, column 12: expected valid TOML"),
    ],
)
def test_check_a_bad_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["policies", "--check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"kypho: error: {path}: {message}"), captured.err
    assert captured.err.count("\n") == 1


def test_check_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "--check", str(tmp_path / "none.toml")]) == 2
    assert capsys.readouterr().err.endswith(
        "none.toml: expected an existing policy file, got no such file\n"
    )


def test_check_uses_the_configured_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("KYPHO_MAX_POLICY_FILE_BYTES", "100")
    assert main(["policies", "--check", str(path)]) == 2
    assert "expected a policy of at most 100 bytes, got " in capsys.readouterr().err
