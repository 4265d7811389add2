"""Human words for what the engine records: verdicts, marks, and no internal values.

The engine's values (``not_candidate``, ``steroid_induced``) are stable identifiers for
JSON; a clinician reads words ("not a candidate", "steroid induced").
"""

from __future__ import annotations

import re

from kypho.rules.types import (
    TRIAGE_VERDICTS,
    Assessment,
    CriterionResult,
    Decision,
    Outcome,
    PolicyKind,
    Role,
)

VERDICT_WORDS: dict[str, str] = {
    "candidate": "candidate",
    "not_candidate": "not a candidate",
    "needs_information": "needs information",
    "needs_review": "needs review",
    "advanced_imaging_indicated": "advanced imaging indicated",
    "advanced_imaging_not_indicated": "advanced imaging not indicated",
    "outside_pathway": "outside the pathway",
}
# An exclusion, a reason for review or a warning is good news when it is *not* met.
AGAINST = (Role.EXCLUDE, Role.REVIEW, Role.WARN)
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_PREFIXES = (
    "Absolute exclusion: ",
    "Relative exclusion: ",
    "Excluded: ",
    "Review: ",
    "Outside the pathway: ",
)


def human(text: str) -> str:
    """Internal snake_case values as words; file names and ids are left alone.

    >>> human("one of osteoporotic, steroid_induced; not_recorded; 001_ed546894017ef93a.txt")
    'one of osteoporotic, steroid induced; not recorded; 001_ed546894017ef93a.txt'
    """
    return _SNAKE.sub(lambda m: m.group(0).replace("_", " "), text)


def threshold_words(threshold: str) -> str:
    """A threshold without the comparison's symbol where a word reads better.

    >>> threshold_words("== worsening"), threshold_words("!= stable"), threshold_words("> 25%")
    ('worsening', 'not stable', '> 25%')
    """
    if threshold.startswith("== "):
        threshold = threshold[3:]
    elif threshold.startswith("!= "):
        threshold = "not " + threshold[3:]
    return human(threshold)


def decision_verdict(kind: PolicyKind, decision: Decision) -> str:
    """The value shown for ``decision`` under a policy of ``kind`` (a triage keeps its own)."""
    return TRIAGE_VERDICTS[decision] if kind is PolicyKind.TRIAGE else decision.value


def decision_words(kind: PolicyKind, decision: Decision) -> str:
    """
    >>> decision_words(PolicyKind.TRIAGE, Decision.CANDIDATE)
    'advanced imaging indicated'
    >>> decision_words(PolicyKind.COVERAGE, Decision.NOT_CANDIDATE)
    'not a candidate'
    """
    return VERDICT_WORDS[decision_verdict(kind, decision)]


def verdict_words(a: Assessment) -> str:
    return VERDICT_WORDS[a.verdict]


def mark(r: CriterionResult) -> str:
    """[ok] favourable, [NO] unfavourable, [??] unknown, whatever the criterion's role."""
    if r.outcome is Outcome.UNKNOWN:
        return "[??]"
    favourable = (r.outcome is Outcome.MET) != (r.role in AGAINST)
    return "[ok]" if favourable else "[NO]"


def word(r: CriterionResult) -> str:
    if r.outcome is Outcome.UNKNOWN:
        return "unknown"
    if r.role in AGAINST:
        return "PRESENT" if r.outcome is Outcome.MET else "absent"
    return "met" if r.outcome is Outcome.MET else "NOT met"


def is_absent_exclusion(r: CriterionResult) -> bool:
    """An absolute or relative contraindication checked and found absent."""
    return r.role in (Role.EXCLUDE, Role.REVIEW) and r.outcome is Outcome.NOT_MET


def short_name(r: CriterionResult) -> str:
    """A criterion's text without its role prefix or explanation after a semicolon.

    >>> from kypho.rules.types import CriterionResult as R
    >>> short_name(R("x", "Absolute exclusion: pregnancy", Outcome.NOT_MET, Role.EXCLUDE,
    ...              "", "", ()))
    'pregnancy'
    """
    text = r.text
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    return human(text.split("; ")[0])
