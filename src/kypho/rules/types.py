"""What the candidacy engine returns: outcomes, criterion results, decisions, windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from kypho.domain.levels import Level


class Outcome(StrEnum):
    """Three-valued outcome of a criterion; missing data is ``UNKNOWN``, never an error."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Decision(StrEnum):
    CANDIDATE = "candidate"
    NOT_CANDIDATE = "not_candidate"
    NEEDS_INFORMATION = "needs_information"
    NEEDS_REVIEW = "needs_review"


class PolicyKind(StrEnum):
    """What a policy decides: whether to treat (candidacy, coverage) or what to do next (triage).

    Only a candidacy or coverage policy's "candidate" can lead to a plan; a triage
    policy's "candidate" means "advanced imaging is indicated", nothing more.
    """

    CANDIDACY = "candidacy"
    COVERAGE = "coverage"
    TRIAGE = "triage"

    @property
    def can_plan(self) -> bool:
        return self is not PolicyKind.TRIAGE


# What a triage policy's decisions mean, as shown everywhere in place of the engine's value.
TRIAGE_VERDICTS: dict[Decision, str] = {
    Decision.CANDIDATE: "advanced_imaging_indicated",
    Decision.NOT_CANDIDATE: "advanced_imaging_not_indicated",
    Decision.NEEDS_REVIEW: "outside_pathway",
    Decision.NEEDS_INFORMATION: "needs_information",
}


class Role(StrEnum):
    """What a top-level criterion does to the decision."""

    REQUIRE = "require"  # must be met; not met -> not a candidate
    EXCLUDE = "exclude"  # absolute contraindication: met -> not a candidate
    REVIEW = "review"  # relative contraindication: met -> needs review
    WARN = "warn"  # met -> a warning, the decision is unchanged
    SCORE = "score"  # a triage score: reported, decides nothing by itself
    INFO = "info"  # shown in the explanation only


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    source: str  # a seed file name, "LCD L34106 ...", or "clinical-reference.md 2.1"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.detail}" if self.detail else self.source


class MissingFact(NamedTuple):
    """A fact the decision needed but the case lacks, and the document that supplies it."""

    fact: str
    document: str
    criterion_id: str
    level: Level | None = None


class CriterionResult(NamedTuple):
    """One criterion's outcome, with what was observed and the threshold it was held to.

    A named tuple rather than a frozen dataclass: just as immutable, and about five
    times cheaper to build; the engine builds dozens per case (bench/bench_assess.py).
    """

    id: str
    text: str
    outcome: Outcome
    role: Role
    observed: str
    threshold: str
    citations: tuple[Citation, ...]
    level: Level | None = None
    children: tuple[CriterionResult, ...] = ()
    missing: tuple[MissingFact, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelAssessment:
    level: Level
    decision: Decision
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowConstraint:
    """One time-based criterion's span of dates on which it holds (both ends inclusive)."""

    criterion_id: str
    text: str  # the criterion's own text, with its level ("L1: ...") for a level criterion
    earliest: date | None
    latest: date | None
    redo_after: str  # what must be redone once ``latest`` has passed

    def failure_on(self, day: date) -> str | None:
        """Why this constraint fails on ``day`` (not yet held / no longer holds), else None.

        >>> c = WindowConstraint(criterion_id="c", text="t", earliest=date(2026, 12, 1),
        ...                      latest=date(2026, 12, 31), redo_after="repeat the MRI")
        >>> c.failure_on(date(2026, 11, 30)), c.failure_on(date(2026, 12, 1))
        ('not yet held (holds from 2026-12-01)', None)
        >>> c.failure_on(date(2027, 1, 1))
        'no longer holds (held until 2026-12-31; repeat the MRI)'
        """
        if self.earliest is not None and day < self.earliest:
            return f"not yet held (holds from {self.earliest})"
        if self.latest is not None and day > self.latest:
            return f"no longer holds (held until {self.latest}; {self.redo_after})"
        return None


def not_before(on: date) -> WindowConstraint:
    """The bound every window has: a procedure cannot be before the assessment date."""
    return WindowConstraint(
        criterion_id="assessment-date",
        text=f"The procedure cannot be before the assessment date ({on})",
        earliest=on,
        latest=None,
        redo_after="",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcedureWindow:
    """Dates on which every time-based criterion holds (both ends inclusive).

    ``earliest`` is never before the assessment date ``on``; ``latest`` is ``None``
    when no constraint bounds that side. ``empty`` is true when the constraints do not
    overlap, or when the window closed before ``on``.
    """

    on: date
    earliest: date
    latest: date | None
    constraints: tuple[WindowConstraint, ...]

    @property
    def empty(self) -> bool:
        return self.latest is not None and self.earliest > self.latest

    @property
    def closed(self) -> bool:
        """True when the window closed before the assessment date."""
        return self.latest is not None and self.latest < self.on

    def contains(self, day: date) -> bool:
        return not self.failing_on(day)

    def failing_on(self, day: date) -> tuple[tuple[WindowConstraint, str], ...]:
        """Every constraint that fails on ``day``, with why; empty when ``day`` is in the window.

        A day before the assessment date fails the ``not_before`` constraint.
        """
        found = [(c, c.failure_on(day)) for c in (not_before(self.on), *self.constraints)]
        return tuple((c, why) for c, why in found if why is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """A decision under one policy, as of one date, with its whole explanation."""

    policy_id: str
    policy_title: str
    policy_version: str
    on: date
    decision: Decision
    criteria: tuple[CriterionResult, ...]  # per-procedure (patient-level) criteria
    levels: tuple[LevelAssessment, ...]  # per-level criteria, one entry per level reviewed
    missing: tuple[MissingFact, ...]
    procedure_window: ProcedureWindow | None
    warnings: tuple[str, ...] = ()
    billing_codes: tuple[str, ...] = ()
    score: int | None = None  # triage policies: the score
    score_band: str | None = None
    recommendation: str | None = None
    policy_kind: PolicyKind = PolicyKind.CANDIDACY
    conflicts: tuple[str, ...] = ()  # facts on which the case's studies disagree, and which won
    notes: tuple[str, ...] = ()  # chronology: evidence set aside or counted from onset, and why
    disclaimer: str = (
        "Decision support only: the treating physician makes the decision and checks each "
        "criterion against its source."
    )

    @property
    def verdict(self) -> str:
        """The decision named for what it means under this policy's kind."""
        if self.policy_kind is PolicyKind.TRIAGE:
            return TRIAGE_VERDICTS[self.decision]
        return self.decision.value

    @property
    def candidate_levels(self) -> tuple[Level, ...]:
        return tuple(la.level for la in self.levels if la.decision is Decision.CANDIDATE)
