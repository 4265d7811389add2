"""Assess cases under policies as of a date: one case, or a batch that reports per file.

Every case is also screened for every contraindication, whatever the policies test: a
user's policy that never mentions infection still shows a discitis.

A batch never stops at a bad file: every good file is assessed, and each bad one is
listed with its message (``BatchAssessment.failed``). The caller decides what a bad
file means for its exit status (the CLI: exit 2 at the end).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kypho.domain.case import Case
from kypho.errors import InvalidInput
from kypho.planning import FactorStatus, ScreenItem, screen_case
from kypho.planning.safety import describe
from kypho.rules import Assessment, CompiledPolicy, Policy, assess, compile_policy


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseAssessment:
    """One case's assessments, one per policy, in the order the policies were given."""

    source: str  # where the case came from: a file path, a record id
    case: Case
    assessments: tuple[Assessment, ...]
    safety: tuple[ScreenItem, ...] = ()  # every contraindication, whatever the policies say

    @property
    def contraindications_present(self) -> tuple[str, ...]:
        return tuple(describe(i) for i in self.safety if i.status is FactorStatus.PRESENT)

    @property
    def contraindications_not_recorded(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.safety if i.status is FactorStatus.NOT_RECORDED)


@dataclass(frozen=True, slots=True, kw_only=True)
class BadInput:
    """An input that could not be assessed, and the one-line reason."""

    source: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchAssessment:
    on: date
    assessed: tuple[CaseAssessment, ...]
    failed: tuple[BadInput, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


def assess_case(
    case: Case, policies: Sequence[Policy | CompiledPolicy], *, on: date, source: str = ""
) -> CaseAssessment:
    """Assess ``case`` under every policy as of ``on`` (``InvalidInput`` on a bad case)."""
    if not policies:
        raise InvalidInput("policies: expected at least one policy to assess against, got none")
    assessments = tuple(assess(case, p, on=on) for p in policies)
    return CaseAssessment(
        source=source or case.case_id,
        case=case,
        assessments=assessments,
        safety=screen_case(case, case.levels_under_review, on=on),
    )


def case_files(paths: Iterable[Path]) -> tuple[list[Path], list[BadInput]]:
    """Expand folders into their ``*.json`` files (sorted); a folder with none is bad input."""
    found: list[Path] = []
    bad: list[BadInput] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.glob("*.json") if p.is_file())
            if not inside:
                bad.append(BadInput(source=str(path), message=f"{path}: expected case files "
                                    "(*.json) in this folder, found none"))  # fmt: skip
            found += inside
        else:
            found.append(path)
    return found, bad


def assess_files(
    paths: Iterable[Path],
    policies: Sequence[Policy],
    *,
    on: date,
    max_case_file_bytes: int,
) -> BatchAssessment:
    """Load and assess every case file (folders expanded); collect bad files, never stop."""
    from kypho.casefile import load_case

    files, failed = case_files(paths)
    compiled = tuple(compile_policy(p) for p in policies)  # once per batch, not per case
    assessed: list[CaseAssessment] = []
    for path in files:
        try:
            case = load_case(path, max_bytes=max_case_file_bytes)
            assessed.append(assess_case(case, compiled, on=on, source=str(path)))
        except InvalidInput as err:
            message = str(err)
            if str(path) not in message:
                message = f"{path}: {message}"
            failed.append(BadInput(source=str(path), message=message))
    return BatchAssessment(on=on, assessed=tuple(assessed), failed=tuple(failed))
