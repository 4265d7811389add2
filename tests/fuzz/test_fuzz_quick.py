"""The quick fuzz profile: 40 seeded inputs per target (fewer slow ones), each a process."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.campaign import run_campaign
from fuzz.targets import all_targets

TARGETS, NOTES = all_targets()
QUICK_COUNT = 40
# A Bundle, a CT series, a SEG or a request to the app (a fresh app per input) takes longer.
QUICK_COUNTS = {"fhir": 30, "dicom": 10, "cds": 10, "form": 8, "upload": 6, "seg": 10}
KNOWN: dict[str, pytest.MarkDecorator] = {}  # targets with a known, unfixed failure
MUST_BE_ZERO = ("traceback", "wrong_exit", "hang", "memory")


@pytest.mark.parametrize("name", [pytest.param(n, marks=KNOWN.get(n, ())) for n in sorted(TARGETS)])
def test_quick_profile_finds_no_failure(name: str, tmp_path: Path) -> None:
    entry = TARGETS[name]
    count = QUICK_COUNTS.get(name, QUICK_COUNT)
    tally = run_campaign(entry.target, workdir=tmp_path, count=count, seed=0, explain=entry.explain)
    assert tally.tried == count
    found = {kind: sorted(tally.distinct.get(kind, ())) for kind in MUST_BE_ZERO}
    assert found == {kind: [] for kind in MUST_BE_ZERO}
    assert tally.peak_rss_bytes < 2 * 1024**3
