"""The fuzz oracles on inputs whose answer is written out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz import casefile, options, policy

EXAMPLE = (
    Path(__file__).parents[2] / "examples" / "cases" / "03-chronic-t8-healed.json"
).read_bytes()
MINIMAL = b'{"case_id": "A"}'


def test_a_bundled_example_and_a_minimal_case_are_valid() -> None:
    assert casefile.judge(EXAMPLE) == (True, "")
    assert casefile.judge(MINIMAL) == (True, "")
    assert casefile.judge(b"\xef\xbb\xbf" + MINIMAL) == (True, "")


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"case_id": "A", "patient": {"age_years": 1' + b"0" * 399 + b"}}", "schema"),
        (b'{"case_id": "A", "patient": {"age_years": ' + b"1" * 1001 + b"}}", "digits"),
        (b'{"case_id": "A", "patient": {"height_cm": NaN}}', "NaN"),
        (b'{"case_id": "A", "patient": {"height_cm": 1e999}}', "out of range"),
        (b'{"case_id": "A", "case_id": "B"}', "repeated"),
        (b'{"case_id": "\\ud800"}', "surrogate"),
        (b'{"case_id": "A", "schema_version": 2}', "schema"),
        (b'{"case_id": "A", "pain": [{"score": 5, "date": "2026-11-22"}]}', "after --on"),
        (b'{"case_id": "A", "pain": [{"score": 5, "date": "1899-12-31"}]}', "1900"),
        (b'{"case_id": "A"', "not JSON"),
        (b'{"case_id": "\xff"}', "UTF-8"),
    ],
)
def test_the_case_oracle_refuses(data: bytes, why: str) -> None:
    valid, reason = casefile.judge(data)
    assert valid is False
    assert why in reason


def test_a_follow_up_on_the_procedure_day_is_refused_and_the_day_after_is_not() -> None:
    visit = b'{"case_id": "A", "procedure": {"date": "2026-11-01"}, "follow_up": [{"date": "%s"}]}'
    assert casefile.judge(visit % b"2026-11-01")[0] is False
    assert casefile.judge(visit % b"2026-11-02")[0] is True


def _renamed(text: str) -> bytes:
    return text.replace('id = "practice"', 'id = "mine"', 1).encode()


PRACTICE = (policy.POLICIES / "practice.toml").read_text(encoding="utf-8")


def test_the_policy_oracle_accepts_a_renamed_bundled_policy_and_refuses_its_own_id() -> None:
    assert policy.judge(_renamed(PRACTICE)) == (True, "")
    assert policy.judge(PRACTICE.encode()) == (False, "a bundled policy's id")


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (('kind = "candidacy"', 'kind = "veto"'), "schema"),
        (("value = 84", "value = nan"), "nan"),
        (
            ('[[criterion]]\nid = "within-12-weeks"', '[[criterion]]\nid = "treatable-cause"'),
            "repeated",
        ),
    ],
)
def test_the_policy_oracle_refuses(edit: tuple[str, str], why: str) -> None:
    text = PRACTICE.replace(*edit, 1)
    assert text != PRACTICE
    valid, reason = policy.judge(_renamed(text))
    assert valid is False
    assert why in reason


def test_at_least_larger_than_its_list_is_refused_and_equal_is_not() -> None:
    text = (policy.POLICIES / "medicare_l34106.toml").read_text(encoding="utf-8")
    text = text.replace('id = "medicare-l34106"', 'id = "mine"', 1)
    assert policy.judge(text.replace("at_least = 2", "at_least = 5", 1).encode())[0] is False
    assert policy.judge(text.replace("at_least = 2", "at_least = 4", 1).encode())[0] is True


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (b'{"procedure_end": "2026-11-28T10:00"}', True),
        (b'{"procedure_end": "9999-12-31T23:59"}', False),
        (b'{"procedure_end": "2026-13-01T00:00"}', False),
        (b'{"procedure_end": "bad"}', False),
        (b'{"procedure_date": "9999-12-31", "procedure_end": "9999-12-31T10:00"}', False),
        (b'{"on": "2026-11-18", "procedure_end": "2026-11-28T10:00"}', False),
        (b"{}", False),  # a calendar needs --procedure-end
    ],
)
def test_the_options_oracle(given: bytes, expected: bool) -> None:
    assert options.judge(given)[0] is expected
