"""From criterion outcomes to a decision, per level and for the whole procedure."""

from __future__ import annotations

from collections.abc import Iterable

from kypho.rules.types import CriterionResult, Decision, Outcome, Role

# Best first. A level that is a candidate makes the procedure possible there; among the
# rest, missing information ranks above review so that filling it in can only improve
# the decision (a determinate decision never changes when unknown facts are filled).
RANK = (
    Decision.CANDIDATE,
    Decision.NEEDS_INFORMATION,
    Decision.NEEDS_REVIEW,
    Decision.NOT_CANDIDATE,
)


def decide(results: Iterable[CriterionResult]) -> Decision:
    """Decision from top-level criterion results.

    An absolute exclusion met or a requirement not met: not a candidate. Else an
    unknown requirement or contraindication: needs information. Else a relative
    contraindication met: needs review. Else: candidate.
    """
    unknown = review = False
    for r in results:
        if r.role is Role.REQUIRE:
            if r.outcome is Outcome.NOT_MET:
                return Decision.NOT_CANDIDATE
            unknown |= r.outcome is Outcome.UNKNOWN
        elif r.role in (Role.EXCLUDE, Role.REVIEW):
            if r.outcome is Outcome.MET and r.role is Role.EXCLUDE:
                return Decision.NOT_CANDIDATE
            unknown |= r.outcome is Outcome.UNKNOWN
            review |= r.outcome is Outcome.MET
    if unknown:
        return Decision.NEEDS_INFORMATION
    return Decision.NEEDS_REVIEW if review else Decision.CANDIDATE


def best(decisions: Iterable[Decision]) -> Decision:
    """The best of several level decisions (``RANK`` order)."""
    return min(decisions, key=RANK.index, default=Decision.NEEDS_INFORMATION)
