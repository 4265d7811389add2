"""The worklist search matches "%", "_" and "\\" literally (LIKE ... ESCAPE), both engines.

Known answers: five patients whose names differ by exactly those characters; a search for
one of them must list only the cases whose case ref, name or MRN contains it as typed.
"""

from __future__ import annotations

import re

import pytest
from kypho_cases_support import body

NAMES = {
    "01-acute-l1-worsening-candidate": "Percent 100% Alpha",
    "02-hospitalized-t12-bone-scan": "Under_score Beta",
    "03-chronic-t8-healed": "Underxscore Gamma",
    "04-stable-pain-two-findings": "Back\\slash Delta",
    "05-new-referral-radiograph-only": "Plain Epsilon",
}


@pytest.fixture
def reader(users):  # noqa: ANN001, ANN201
    coordinator = users.api("coordinator")
    for n, (stem, name) in enumerate(NAMES.items(), start=1):
        data = body(stem, number=90 + n)
        data["patient"]["name"] = name
        answer = coordinator.post("/api/cases", json=data)
        assert answer.status_code == 201, answer.text
    return users.api("read_only")


def _names(html: str) -> list[str]:
    return sorted(re.findall(r'<td><a href="/cases/\d+">([^<]*)</a></td>', html))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", ["Percent 100% Alpha"]),
        ("0%", ["Percent 100% Alpha"]),
        ("_", ["Under_score Beta"]),
        ("r_s", ["Under_score Beta"]),  # unescaped, "_" would also match "Underxscore"
        ("\\", ["Back\\slash Delta"]),
        ("%_", []),
        ("score", ["Under_score Beta", "Underxscore Gamma"]),
    ],
)
def test_search_characters_are_literal(reader, q: str, expected: list[str]) -> None:  # noqa: ANN001
    page = reader.get("/", params={"q": q})
    assert page.status_code == 200
    assert _names(page.text) == expected
