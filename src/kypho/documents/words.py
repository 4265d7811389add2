"""Human words for the plan's internal values, and clinic pages named by their title.

Text, markdown and patient documents print these; JSON keeps the internal values.
An unknown value falls back to its own text with underscores as spaces, never to
nothing.
"""

from __future__ import annotations

import re

from kypho.planning.sources import SEED_ALLIANCE, SEED_BKP, SEED_BLUE, SEED_COLORADO, SEED_PCI
from kypho.rules.types import Citation

WORDS: dict[str, str] = {
    # Anesthesia
    "local_with_sedation": "local anaesthesia with sedation",
    "general": "general anaesthesia",
    # Setting
    "office_suite": "office fluoroscopy suite",
    "outpatient_department": "hospital outpatient department",
    "hospital": "hospital (inpatient)",
    # Discharge
    "same_day_office": "home the same day after a short watch",
    "same_day_after_recovery": "home the same day after hours in recovery",
    "overnight": "overnight stay in hospital",
    "inpatient": "back to the ward (already in hospital)",
    # CheckStatus, FactorStatus
    "done": "done",
    "to_do": "to do",
    "needs_attention": "needs attention",
    "not_recorded": "not recorded",
    "not_needed": "not needed",
    "present": "present",
    "absent": "absent",
    # Decision
    "candidate": "candidate",
    "not_candidate": "not a candidate",
    "needs_information": "needs information",
    "needs_review": "needs review",
    # ContraindicationClass
    "absolute": "absolute",
    "relative": "relative",
}

# The clinic pages in /work/shared/seeds/, by the title on the page (or its owner).
SEED_TITLES: dict[str, str] = {
    SEED_COLORADO: "Back Pain and Spine Physicians in Colorado: Balloon Kyphoplasty",
    SEED_PCI: "PCI clinic page: Balloon Kyphoplasty",
    SEED_BLUE: "Blue Distinction Center for Spine Surgery: Treatment Options",
    SEED_BKP: "Balloon Kyphoplasty Procedure (benefits and coverage page)",
    SEED_ALLIANCE: "Alliance Spine and Pain Centers: Treatment Spotlight: Balloon Kyphoplasty",
}


def word(value: object) -> str:
    """The human word for an internal value.

    >>> word("local_with_sedation"), word("not_recorded"), word("some_new_value")
    ('local anaesthesia with sedation', 'not recorded', 'some new value')
    """
    text = str(value)
    return WORDS.get(text, text.replace("_", " "))


_INTERNAL = re.compile(
    r"(?<![.\w])("
    + "|".join(sorted((k for k in WORDS if "_" in k), key=len, reverse=True))
    + r")(?![\w])"
)


def humanize(text: str) -> str:
    """``text`` with every known internal value in words; case-file paths left alone.

    >>> humanize("decision under policy practice: needs_review (patient.not_recorded)")
    'decision under policy practice: needs review (patient.not_recorded)'
    """
    return _INTERNAL.sub(lambda m: WORDS[m.group(1)], text)


def cite(citation: Citation) -> str:
    """A citation with a clinic page shown by its title and file name.

    >>> cite(Citation(source=SEED_BLUE, detail="5 lb"))
    'Blue Distinction Center for Spine Surgery: Treatment Options (002_22fbc0fc46b5b412.txt): 5 lb'
    """
    title = SEED_TITLES.get(citation.source)
    source = citation.source if title is None else f"{title} ({citation.source})"
    return f"{source}: {citation.detail}" if citation.detail else source
