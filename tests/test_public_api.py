"""The curated public API: sorted, complete, and usable end to end."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import kypho

EXAMPLE = (
    Path(__file__).resolve().parents[1]
    / "examples"
    / "cases"
    / "01-acute-l1-worsening-candidate.json"
)


def test_all_is_sorted_and_every_name_exists() -> None:
    assert kypho.__all__ == sorted(
        kypho.__all__, key=lambda n: (not n[0].isupper(), n.startswith("_"), n)
    )
    for name in kypho.__all__:
        assert hasattr(kypho, name), name


def test_assess_an_example_through_the_public_api() -> None:
    case = kypho.load_case(EXAMPLE)
    result = kypho.assess(case, kypho.load_policy("medicare-l34106"), on=date(2026, 11, 21))
    assert result.decision is kypho.Decision.CANDIDATE
    assert kypho.parse_case(kypho.dump_case(case)) == case


def test_every_public_name_has_a_home_and_the_import_is_lazy() -> None:
    import subprocess
    import sys

    assert sorted(kypho._HOME) == kypho.__all__
    code = "import sys, kypho.cli; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", "importing the CLI should not import pydantic"
