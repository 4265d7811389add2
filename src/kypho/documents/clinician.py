"""The clinician's plan and outcome report as text, markdown or JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from kypho.pathway.outcomes import OutcomeReport
from kypho.planning.risks import ALTERNATIVES, BENEFITS, RISKS
from kypho.planning.types import ProcedurePlan, Reason
from kypho.rules.types import Citation

OUTCOMES_DISCLAIMER = (
    "kypho is decision support only: the treating physician interprets outcomes. MCID values "
    "are a project convention needing clinical confirmation (kypho.pathway.benchmarks)."
)

Sections = list[tuple[str, list[str]]]


def _cites(citations: tuple[Citation, ...]) -> str:
    return " [" + "; ".join(str(c) for c in citations) + "]"


def _why(reason: Reason) -> str:
    return reason.text + _cites(reason.citations)


def _level_lines(plan: ProcedurePlan) -> list[str]:
    lines = []
    for lp in plan.levels:
        c = lp.cement
        lines += [
            f"{lp.level}: {lp.approach}; balloon {c.balloon_size_class}; cement "
            f"{c.volume_low_ml:g}-{c.volume_high_ml:g} mL ({c.basis}); "
            f"CPT {lp.billing_code or '-'}",
            f"  approach: {_why(lp.approach_reason)}",
            f"  alternative ({lp.alternative}): {_why(lp.alternative_trade_offs)}",
            f"  cement: {_why(c.reason)}",
            f"  code: {_why(lp.billing_reason)}",
        ]
    return lines


def _window_line(plan: ProcedurePlan) -> str:
    w = plan.window
    if w is None:
        return "window: not given by the candidacy engine"
    text = f"window: {w.earliest or 'open'} to {w.latest or 'open'}"
    return text + "".join(
        f"; {c.text} ({c.earliest or '-'}..{c.latest or '-'})" for c in w.constraints
    )


def plan_sections(plan: ProcedurePlan) -> Sections:
    """The plan as (heading, lines) pairs, shared by text and markdown."""
    head = [f"case {plan.case_id}; policy {plan.policy_id}; decision {plan.decision} "
            f"(assessed {plan.assessed_on})"]  # fmt: skip
    if plan.override_reason:
        head.append(f"OVERRIDE: {plan.override_reason}")
    if plan.refused:
        return [("Plan refused", head + list(plan.refusal_reasons)), ("Note", [plan.disclaimer])]
    sections: Sections = [("Procedure plan", head), ("Levels", _level_lines(plan))]
    sections.append(("Logistics", [
        f"duration: {plan.duration_low_min}-{plan.duration_high_min} min. "
        + _why(plan.duration_reason),
        *(f"anesthesia: {plan.anesthesia.value}. {_why(r)}" for r in plan.anesthesia.reasons),
        *(f"setting: {plan.setting.value}. {_why(r)}" for r in plan.setting.reasons),
        *(f"overnight stay: {plan.overnight_stay.value}. {_why(r)}"
          for r in plan.overnight_stay.reasons),
        f"procedure date: {plan.procedure_date or 'not set'}; {_window_line(plan)}",
    ]))  # fmt: skip
    sections.append(
        (
            "Pre-procedure checklist",
            [f"[{i.status}] {i.item}: {i.detail}{_cites(i.citations)}" for i in plan.checklist],
        )
    )
    sections.append(
        (
            "Patient risk factors",
            [f"{f.name}: {f.status} ({f.detail}){_cites(f.citations)}" for f in plan.risk_factors],
        )
    )
    sections.append(("Risks", [f"{r.name}: {r.rate_text}{_cites(r.citations)}" for r in RISKS]))
    sections.append(
        (
            "Benefits and alternatives",
            [
                *(f"benefit: {b.name}{_cites(b.citations)}" for b in BENEFITS),
                *(f"alternative: {a.name}: {a.plain}{_cites(a.citations)}" for a in ALTERNATIVES),
            ],
        )
    )
    sections.append(("Warnings", list(plan.warnings) or ["none"]))
    sections.append(("Missing facts", list(plan.missing) or ["none"]))
    sections.append(("Note", [plan.disclaimer]))
    return sections  # fmt: skip


def as_text(sections: Sections) -> str:
    return "\n\n".join(f"{h.upper()}\n" + "\n".join(lines) for h, lines in sections) + "\n"


def as_markdown(sections: Sections) -> str:
    def item(line: str) -> str:
        return f"  - {line.strip()}" if line.startswith("  ") else f"- {line}"

    return "\n\n".join(f"## {h}\n\n" + "\n".join(map(item, lines)) for h, lines in sections) + "\n"


def _json_default(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any, **extra: object) -> str:
    """A dataclass (plan, outcome report) as indented JSON, with ``extra`` keys added."""
    data = dataclasses.asdict(value)
    data.update(extra)
    return json.dumps(data, indent=2, default=_json_default) + "\n"


def plan_json(plan: ProcedurePlan) -> str:
    risks = [dict(dataclasses.asdict(r), rate_text=r.rate_text) for r in RISKS]
    return to_json(plan, risks=risks, benefits=[dataclasses.asdict(b) for b in BENEFITS],
                   alternatives=[dataclasses.asdict(a) for a in ALTERNATIVES])  # fmt: skip


def outcome_sections(report: OutcomeReport) -> Sections:
    base = [
        f"{b.measure}: {'not recorded' if b.points is None else f'{b.points:g}'}"
        + (f" on {b.assessed_on}" if b.assessed_on else "")
        for b in report.baseline
    ]
    sections: Sections = [("Baseline", [f"procedure date {report.procedure_date}", *base])]
    for v in report.visits:
        lines = []
        for c in v.changes:
            value = "not recorded" if c.visit_points is None else f"{c.visit_points:g}"
            change = "-" if c.improvement_points is None else f"{c.improvement_points:+g}"
            lines.append(f"{c.measure}: {value}; improvement {change}; MCID {c.mcid_points:g} "
                         f"{c.reaches_mcid}; {c.note}")  # fmt: skip
        lines += [f"new fractures: {v.new_fractures}", f"complications: {v.complications}"]
        sections.append((f"Visit {v.visit_date} (day {v.days_after})", lines))
    if not report.visits:
        sections.append(("Visits", ["no follow-up visits recorded"]))
    sections.append(("Note", [OUTCOMES_DISCLAIMER]))
    return sections
