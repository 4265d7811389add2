"""Explanations a clinician reads (text, markdown), built from the results behind the decision.

Text and markdown show words, never the engine's internal values (``words``), and
name each clinic page by its title (``sources``). The JSON form is ``report``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kypho.rules.sources import cite
from kypho.rules.types import Assessment, CriterionResult, Decision, ProcedureWindow, Role
from kypho.rules.words import (
    AGAINST,
    decision_words,
    human,
    is_absent_exclusion,
    mark,
    short_name,
    threshold_words,
    verdict_words,
    word,
)

_ROLE_TAG = {Role.EXCLUDE: " [exclusion]", Role.REVIEW: " [review]", Role.WARN: " [warning]"}


def _bar(r: CriterionResult) -> str:
    return "present when" if r.role in AGAINST else "threshold"


def _sources(r: CriterionResult) -> str:
    return "; ".join(cite(c) for c in r.citations)


def _criterion_lines(r: CriterionResult, depth: int, *, verbose: bool) -> list[str]:
    pad = "    " * depth
    lines = [
        f"{pad}{mark(r)} {human(r.text)}{_ROLE_TAG.get(r.role, '')}",
        f"{pad}      {word(r)}: {human(r.observed)} ({_bar(r)}: {threshold_words(r.threshold)})",
    ]
    if depth == 1 or verbose:
        lines.append(f"{pad}      source: {_sources(r)}")
    for child in r.children:
        lines += _criterion_lines(child, depth + 1, verbose=verbose)
    return lines


def _group_lines(results: tuple[CriterionResult, ...], *, verbose: bool) -> list[str]:
    """Each criterion; absent exclusions fold into one line unless ``verbose``."""
    folded = [] if verbose else [r for r in results if is_absent_exclusion(r)]
    lines = []
    for r in results:
        if r not in folded:
            lines += _criterion_lines(r, 1, verbose=verbose)
    if folded:
        lines.append(f"    [ok] No exclusion found: {'; '.join(short_name(r) for r in folded)}")
    return lines


def _window_head(window: ProcedureWindow) -> str:
    if window.closed:
        return (
            f"Procedure window: NONE (it closed on {window.latest}, "
            f"before the assessment date {window.on})"
        )
    if window.empty:
        return (
            "Procedure window: NONE (the criteria never hold together: "
            f"opens {window.earliest}, closes {window.latest})"
        )
    closes = window.latest.isoformat() if window.latest else "open-ended"
    return f"Procedure window: {window.earliest} to {closes} (inclusive)"


def window_lines(window: ProcedureWindow | None) -> list[str]:
    """The window, then each criterion that bounds it and how it fails on the assessment date."""
    if window is None:
        return ["Procedure window: no time-based criterion could be dated."]
    lines = [_window_head(window)]
    for c in window.constraints:
        span = f"{c.earliest or '...'} to {c.latest or '...'}"
        lines.append(f"  - {human(c.text)}: {span}")
        failure = c.failure_on(window.on)
        if failure is not None:
            lines.append(f"      on {window.on}: {failure}")
        elif c.latest is not None:
            lines.append(f"      after {c.latest}: {c.redo_after}")
    return lines


def _headline(a: Assessment) -> str:
    return verdict_words(a).upper() + (f" - {a.recommendation}" if a.recommendation else "")


def _level_words(a: Assessment, decision: Decision) -> str:
    return decision_words(a.policy_kind, decision)


def _evidence_lines(a: Assessment) -> list[str]:
    lines = []
    if a.conflicts:
        lines.append("Studies disagree (the most recent is used unless stated):")
        lines += [f"  - {human(c)}" for c in a.conflicts]
    if a.notes:
        lines.append("Chronology:")
        lines += [f"  - {human(n)}" for n in a.notes]
    return lines


def as_text(a: Assessment, *, verbose: bool = False) -> str:
    """The decision first, then each criterion with its mark, observation, threshold and source."""
    lines = [
        f"{a.policy_title} (version {a.policy_version}), as of {a.on}",
        f"DECISION: {_headline(a)}",
    ]
    if a.levels:
        per_level = ", ".join(f"{la.level} {_level_words(a, la.decision)}" for la in a.levels)
        lines.append(f"Levels: {per_level}")
    if a.score is not None:
        lines.append(f"Score: {a.score} ({a.score_band})")
    lines += [f"WARNING: {human(w)}" for w in a.warnings]
    if a.missing:
        lines.append("Missing information (documents to obtain):")
        lines += [
            f"  - {human(m.document)}" + (f" [{m.criterion_id}]" if verbose else "")
            for m in a.missing
        ]
    lines += _evidence_lines(a)
    for la in a.levels:
        lines.append(f"Level {la.level}: {_level_words(a, la.decision).upper()}")
        lines += _group_lines(la.criteria, verbose=verbose)
    if a.criteria:
        lines.append("Patient and procedure:")
        lines += _group_lines(a.criteria, verbose=verbose)
    lines += window_lines(a.procedure_window)
    if a.billing_codes:
        lines.append(f"CPT codes if performed: {', '.join(a.billing_codes)}")
    lines.append(a.disclaimer)
    return "\n".join(lines)


def _md_rows(results: tuple[CriterionResult, ...], depth: int = 0) -> list[str]:
    rows = []
    for r in results:
        indent = "&nbsp;&nbsp;" * depth
        rows.append(
            f"| {indent}{human(r.text)} | {mark(r)} {word(r)} | {human(r.observed)} "
            f"| {threshold_words(r.threshold)} | {_sources(r)} |"
        )
        rows += _md_rows(r.children, depth + 1)
    return rows


def _md_list(title: str, items: Sequence[str], heading: str) -> list[str]:
    return [f"{heading} {title}", ""] + [f"- {human(i)}" for i in items] + [""] if items else []


def as_markdown(a: Assessment, *, heading_level: int = 2) -> str:
    """Markdown under a heading of ``heading_level``; its sections one level below, in order."""
    top, sub = "#" * heading_level, "#" * (heading_level + 1)
    out = [f"{top} {a.policy_title}", "", f"**Decision ({a.on}): {_headline(a)}**", ""]
    if a.score is not None:
        out += [f"Score: **{a.score}** ({a.score_band})", ""]
    out += [f"> Warning: {human(w)}" for w in a.warnings] + ([""] if a.warnings else [])
    out += _md_list("Missing information", [m.document for m in a.missing], sub)
    out += _md_list("Studies that disagree", a.conflicts, sub)
    out += _md_list("Chronology", a.notes, sub)
    header = ["| Criterion | Outcome | Observed | Threshold | Source |", "|---|---|---|---|---|"]
    if a.criteria:
        out += [f"{sub} Patient and procedure", ""] + header + _md_rows(a.criteria) + [""]
    for la in a.levels:
        out += [f"{sub} Level {la.level}: {_level_words(a, la.decision)}", ""] + header
        out += _md_rows(la.criteria) + [""]
    out += [f"{sub} Procedure window", ""]
    out += ["- " + line.strip().removeprefix("- ") for line in window_lines(a.procedure_window)]
    if a.billing_codes:
        out += ["", f"CPT codes if performed: {', '.join(a.billing_codes)}"]
    out += ["", f"*{a.disclaimer}*", ""]
    return "\n".join(out)


def _verdict_part(a: Assessment) -> str:
    part = f"{a.policy_id} {verdict_words(a)}"
    if a.decision is Decision.CANDIDATE and a.candidate_levels:
        part += f" ({', '.join(a.candidate_levels)})"
    if a.score is not None:
        part += f" (score {a.score}, {a.score_band})"
    return part


def verdict_line(case_id: str, assessments: Sequence[Assessment]) -> str:
    """One line giving every policy's verdict on a case, for the top of the CLI's output.

    e.g. ``EX-04: practice candidate (L1) | medicare-l34106 needs information |
    vcf-suspicion advanced imaging indicated (score 6, intermediate)``.
    """
    parts = " | ".join(_verdict_part(a) for a in assessments)
    return f"{case_id}: {parts}" if parts else f"{case_id}: no policy assessed"
