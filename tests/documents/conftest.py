"""Real plans and pathways for document tests (the bundled examples); textstat's FK grade.

EX-01 is a one-level candidate treated in the office under local anaesthesia with
sedation; EX-07 has four levels (a relative contraindication, so ``needs_review`` under
the practice policy: planned, with the warnings on top) with general anaesthesia and an
overnight stay; EX-09 has discitis (absolute: refused) and is planned by an override.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from kypho.casefile import load_case
from kypho.pathway import RecoveryPathway
from kypho.pathway.schedule import pathway_for_plan
from kypho.planning import ProcedurePlan, build_plan
from kypho.rules import assess, load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
ASSESSED_ON = date(2026, 11, 21)
PROCEDURE_DAY = date(2026, 11, 26)  # a Thursday
PROCEDURE_END = datetime(2026, 11, 26, 10, 15)
OVERRIDE_09 = "discitis treated and cleared, agreed at the spine MDT"


def example_plan(stem: str, *, override: str | None = None) -> ProcedurePlan:
    case = load_case(EXAMPLES / f"{stem}.json")
    assessment = assess(case, load_policy("practice"), on=ASSESSED_ON)
    return build_plan(
        case,
        assessment,
        procedure_date=PROCEDURE_DAY,
        override_reason=override,
        overridden_by=None if override is None else "Dr A. Example",
    )


@pytest.fixture
def plan() -> ProcedurePlan:
    return example_plan("01-acute-l1-worsening-candidate")


@pytest.fixture
def plan07() -> ProcedurePlan:
    """Planned with warnings: more than 3 levels is a relative contraindication."""
    return example_plan("07-four-levels-one-session")


@pytest.fixture
def plan09() -> ProcedurePlan:
    """Refused (discitis, an absolute contraindication), planned by a physician's override."""
    return example_plan("09-discitis", override=OVERRIDE_09)


@pytest.fixture
def pathway(plan: ProcedurePlan) -> RecoveryPathway:
    return pathway_for_plan(plan, procedure_end=PROCEDURE_END)


@pytest.fixture
def pathway07(plan07: ProcedurePlan) -> RecoveryPathway:
    return pathway_for_plan(plan07, procedure_end=PROCEDURE_END)


@pytest.fixture
def fk_grade(monkeypatch: pytest.MonkeyPatch) -> object:
    """textstat's Flesch-Kincaid grade.

    textstat counts syllables with NLTK's CMU dictionary, downloaded on first use; where
    it is not installed (offline CI) textstat's own fallback, pyphen, counts them.
    """
    import nltk
    import textstat
    import textstat.backend.counts._count_syllables as counting

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        monkeypatch.setattr(counting, "get_cmudict", lambda lang: None)
    return textstat.flesch_kincaid_grade
