"""Policy texts for the policy-file tests: a small good one of each shape, and a writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

GOOD = """\
id = "clinic-a"
title = "Clinic A criteria"
version = "1"
source = "Clinic A handbook, 2026"
kind = "candidacy"

[decision_text]
candidate = "Meets Clinic A's criteria."

[[criterion]]
id = "severe-pain"
text = "Severe pain: NRS >= 7"
cites = ["handbook 1"]
test = { fact = "pain_score", op = ">=", value = 7 }

[[criterion]]
id = "pregnancy"
text = "Excluded: pregnancy"
role = "exclude"
cites = ["handbook 2"]
test = { fact = "pregnant", op = "==", value = true }
"""

TRIAGE = """\
id = "triage-a"
title = "Triage A"
version = "1"
source = "Triage handbook"
kind = "triage"

[score]
of = ["sign-rest", "sign-midline"]
band = [{ label = "low", min = 0, max = 1 }, { label = "high", min = 2, max = 2 }]

[[criterion]]
id = "indicated"
text = "Imaging indicated: both signs"
cites = ["triage 1"]
test = { at_least = 2, of = ["sign-rest", "sign-midline"] }

[[criterion]]
id = "sign-rest"
text = "Pain eases with rest"
role = "score"
cites = ["triage 2"]
test = { fact = "sign_pain_eases_with_rest", op = "==", value = true }

[[criterion]]
id = "sign-midline"
text = "Midline pain"
role = "score"
cites = ["triage 3"]
test = { fact = "sign_midline_back_pain", op = "==", value = true }
"""

Writer = Callable[[str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write a policy text to ``mine.toml`` in a fresh folder and return its path."""

    def _write(text: str) -> Path:
        path = tmp_path / "mine.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return _write
