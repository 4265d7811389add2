"""Explanations a clinician reads (text, markdown), built from the results behind the decision."""

from __future__ import annotations

from kypho.rules.types import Assessment, CriterionResult, Outcome, ProcedureWindow, Role

HEADLINE = {
    "candidate": "CANDIDATE",
    "not_candidate": "NOT A CANDIDATE",
    "needs_information": "NEEDS INFORMATION",
    "needs_review": "NEEDS REVIEW",
}
# An exclusion, a reason for review or a warning is good news when it is *not* met.
_AGAINST = (Role.EXCLUDE, Role.REVIEW, Role.WARN)


def mark(r: CriterionResult) -> str:
    """[ok] favourable, [NO] unfavourable, [??] unknown, whatever the criterion's role."""
    if r.outcome is Outcome.UNKNOWN:
        return "[??]"
    favourable = (r.outcome is Outcome.MET) != (r.role in _AGAINST)
    return "[ok]" if favourable else "[NO]"


def word(r: CriterionResult) -> str:
    if r.outcome is Outcome.UNKNOWN:
        return "unknown"
    if r.role in _AGAINST:
        return "PRESENT" if r.outcome is Outcome.MET else "absent"
    return "met" if r.outcome is Outcome.MET else "NOT met"


def _bar(r: CriterionResult) -> str:
    return "present when" if r.role in _AGAINST else "threshold"


def _criterion_lines(r: CriterionResult, depth: int, *, verbose: bool) -> list[str]:
    pad = "    " * depth
    role = {Role.EXCLUDE: " [exclusion]", Role.REVIEW: " [review]", Role.WARN: " [warning]"}
    lines = [
        f"{pad}{mark(r)} {r.text}{role.get(r.role, '')}",
        f"{pad}      {word(r)}: {r.observed} ({_bar(r)}: {r.threshold})",
    ]
    if depth == 1 or verbose:
        lines.append(f"{pad}      source: {'; '.join(str(c) for c in r.citations)}")
    for child in r.children:
        lines += _criterion_lines(child, depth + 1, verbose=verbose)
    return lines


def window_lines(window: ProcedureWindow | None) -> list[str]:
    if window is None:
        return ["Procedure window: no time-based criterion could be dated."]
    if window.empty:
        head = (
            "Procedure window: NONE (the criteria never hold together: "
            f"opens {window.earliest}, closes {window.latest})"
        )
    else:
        opens = window.earliest.isoformat() if window.earliest else "now"
        closes = window.latest.isoformat() if window.latest else "open-ended"
        head = f"Procedure window: {opens} to {closes} (inclusive)"
    lines = [head]
    for c in window.constraints:
        span = f"{c.earliest or '...'} to {c.latest or '...'}"
        lines.append(f"  - {c.text}: {span}")
        if c.latest is not None:
            lines.append(f"      after {c.latest}: {c.redo_after}")
    return lines


def as_text(a: Assessment, *, verbose: bool = False) -> str:
    """The decision first, then each criterion with its mark, observation, threshold and source."""
    lines = [
        f"{a.policy_title} (version {a.policy_version}), as of {a.on}",
        f"DECISION: {HEADLINE[a.decision.value]}"
        + (f" - {a.recommendation}" if a.recommendation else ""),
    ]
    if a.levels:
        per_level = ", ".join(f"{la.level} {la.decision.value}" for la in a.levels)
        lines.append(f"Levels: {per_level}")
    if a.score is not None:
        lines.append(f"Score: {a.score} ({a.score_band})")
    lines += [f"WARNING: {w}" for w in a.warnings]
    if a.missing:
        lines.append("Missing information (documents to obtain):")
        lines += [
            f"  - {m.document}" + (f" [{m.criterion_id}]" if verbose else "") for m in a.missing
        ]
    for la in a.levels:
        lines.append(f"Level {la.level}: {HEADLINE[la.decision.value]}")
        for r in la.criteria:
            lines += _criterion_lines(r, 1, verbose=verbose)
    if a.criteria:
        lines.append("Patient and procedure:")
        for r in a.criteria:
            lines += _criterion_lines(r, 1, verbose=verbose)
    lines += window_lines(a.procedure_window)
    if a.billing_codes:
        lines.append(f"CPT codes if performed: {', '.join(a.billing_codes)}")
    lines.append(a.disclaimer)
    return "\n".join(lines)


def _md_rows(results: tuple[CriterionResult, ...], depth: int = 0) -> list[str]:
    rows = []
    for r in results:
        indent = "&nbsp;&nbsp;" * depth
        cites = "; ".join(str(c) for c in r.citations)
        rows.append(
            f"| {indent}{r.text} | {mark(r)} {word(r)} | {r.observed} | {r.threshold} | {cites} |"
        )
        rows += _md_rows(r.children, depth + 1)
    return rows


def as_markdown(a: Assessment) -> str:
    out = [
        f"## {a.policy_title}",
        "",
        f"**Decision ({a.on}): {HEADLINE[a.decision.value]}**"
        + (f" - {a.recommendation}" if a.recommendation else ""),
        "",
    ]
    if a.score is not None:
        out += [f"Score: **{a.score}** ({a.score_band})", ""]
    out += [f"> Warning: {w}" for w in a.warnings]
    if a.missing:
        out += ["**Missing information**", ""] + [f"- {m.document}" for m in a.missing] + [""]
    header = ["| Criterion | Outcome | Observed | Threshold | Source |", "|---|---|---|---|---|"]
    if a.criteria:
        out += ["### Patient / procedure", ""] + header + _md_rows(a.criteria) + [""]
    for la in a.levels:
        out += [f"### Level {la.level}: {HEADLINE[la.decision.value]}", ""] + header
        out += _md_rows(la.criteria) + [""]
    out += ["- " + line.strip("- ") for line in window_lines(a.procedure_window)]
    if a.billing_codes:
        out += ["", f"CPT codes if performed: {', '.join(a.billing_codes)}"]
    out += ["", f"*{a.disclaimer}*", ""]
    return "\n".join(out)
