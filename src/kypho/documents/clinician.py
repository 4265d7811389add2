"""The clinician's plan and outcome report as text, markdown or JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from kypho.documents.words import cite, humanize, word
from kypho.pathway.outcomes import OutcomeReport
from kypho.planning.risks import ALTERNATIVES, BENEFITS, RISKS
from kypho.planning.types import FactorStatus, ProcedurePlan, Reason, ScreenItem
from kypho.rules.types import Citation

OUTCOMES_DISCLAIMER = (
    "kypho is decision support only: the treating physician interprets outcomes. MCID values "
    "are a project convention needing clinical confirmation (kypho.pathway.benchmarks)."
)

Sections = list[tuple[str, list[str]]]


def _cites(citations: tuple[Citation, ...]) -> str:
    return " [" + "; ".join(cite(c) for c in citations) + "]" if citations else ""


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
    if w.empty:
        text = "window: none (the criteria's dates do not overlap)"
    else:
        text = f"window: {w.earliest or 'open'} to {w.latest or 'open'}"
    return text + "".join(
        f"; {c.text} ({c.earliest or '-'}..{c.latest or '-'})" for c in w.constraints
    )


def screen_lines(screen: tuple[ScreenItem, ...]) -> list[str]:
    """Present items first, then the ones not recorded, then every absent one on one line."""

    def line(item: ScreenItem, label: str, detail: str) -> str:
        klass = word(item.contraindication_class)
        return f"{label} ({klass}): {item.name} ({detail}){_cites(item.citations)}"

    lines = [line(i, "PRESENT", i.detail) for i in screen if i.status is FactorStatus.PRESENT]
    lines += [line(i, "not recorded", f"record it in {i.field}")
              for i in screen if i.status is FactorStatus.NOT_RECORDED]  # fmt: skip
    absent = [i.name for i in screen if i.status is FactorStatus.ABSENT]
    if absent:
        lines.append("absent: " + "; ".join(absent))
    return lines or ["no contraindication was screened"]


def _top_sections(plan: ProcedurePlan) -> Sections:
    """Decision, refusal reasons, the override (who, why) and warnings: the plan's top."""
    head = [f"case {plan.case_id}; policy {plan.policy_id}; decision {word(plan.decision)} "
            f"(assessed {plan.assessed_on})"]  # fmt: skip
    sections: Sections = [("Plan refused" if plan.refused else "Procedure plan", head)]
    if plan.refusal_reasons:
        heading = "Refusal reasons" if plan.override_reason is None else (
            "Refusal reasons (overridden)")  # fmt: skip
        sections.append((heading, [humanize(r) for r in plan.refusal_reasons]))
    if plan.override_reason is not None:
        who = plan.overridden_by or "physician not recorded"
        sections.append(("Override", [
            f"overridden by: {who}", f"reason: {plan.override_reason}",
            *(f"planned despite: {humanize(r)}" for r in plan.refusal_reasons),
        ]))  # fmt: skip
    sections.append(("Warnings", [humanize(w) for w in plan.warnings] or ["none"]))
    if plan.safety:
        sections.append(("Safety screen", screen_lines(plan.safety)))
    return sections


def _logistics_lines(plan: ProcedurePlan) -> list[str]:
    obs = plan.observation
    return [
        f"duration: {plan.duration_low_min}-{plan.duration_high_min} min. "
        + _why(plan.duration_reason),
        *(f"anaesthesia: {word(plan.anesthesia.value)}. {_why(r)}"
          for r in plan.anesthesia.reasons),
        *(f"setting: {word(plan.setting.value)}. {_why(r)}" for r in plan.setting.reasons),
        *(f"overnight stay: {word(plan.overnight_stay.value)}. {_why(r)}"
          for r in plan.overnight_stay.reasons),
        f"observation: {obs.low_min}-{obs.high_min} min, then {word(obs.discharge)}. "
        + _why(obs.reason),
        f"procedure date: {plan.procedure_date or 'not set'}; {_window_line(plan)}",
    ]  # fmt: skip


def plan_sections(plan: ProcedurePlan) -> Sections:
    """The plan as (heading, lines) pairs, shared by text and markdown.

    Refusal reasons, the override, warnings and the safety screen come first.
    """
    sections = _top_sections(plan)
    if plan.refused:
        sections.append(("Missing facts", list(plan.missing) or ["none"]))
        sections.append(("Note", [plan.disclaimer]))
        return sections
    sections.append(("Levels", _level_lines(plan)))
    sections.append(("Logistics", _logistics_lines(plan)))
    if plan.osteoporosis_steps:
        sections.append(("Osteoporosis follow-through", list(plan.osteoporosis_steps)))
    sections.append(("Pre-procedure checklist", [
        f"[{word(i.status)}] {i.item}: {i.detail}{_cites(i.citations)}" for i in plan.checklist
    ]))  # fmt: skip
    sections.append(("Patient risk factors", [
        f"{f.name}: {word(f.status)} ({f.detail}){_cites(f.citations)}" for f in plan.risk_factors
    ]))  # fmt: skip
    sections.append(("Risks", [f"{r.name}: {r.rate_text}{_cites(r.citations)}" for r in RISKS]))
    sections.append(("Benefits and alternatives", [
        *(f"benefit: {b.name}{_cites(b.citations)}" for b in BENEFITS),
        *(f"alternative: {a.name}: {a.plain}{_cites(a.citations)}" for a in ALTERNATIVES),
    ]))  # fmt: skip
    sections.append(("Missing facts", list(plan.missing) or ["none"]))
    sections.append(("Note", [plan.disclaimer]))
    return sections


def as_text(sections: Sections) -> str:
    return "\n\n".join(f"{h.upper()}\n" + "\n".join(lines) for h, lines in sections) + "\n"


def as_markdown(sections: Sections, *, title: str | None = None) -> str:
    """Markdown with one level-1 heading (``title``, else the first section's) and h2s after it."""

    def item(line: str) -> str:
        return f"  - {line.strip()}" if line.startswith("  ") else f"- {line}"

    def block(level: str, heading: str, lines: list[str]) -> str:
        return f"{level} {heading}\n\n" + "\n".join(map(item, lines))

    blocks = [f"# {title}"] if title is not None else []
    for index, (heading, lines) in enumerate(sections):
        blocks.append(block("#" if title is None and index == 0 else "##", heading, lines))
    return "\n\n".join(blocks) + "\n"


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


TOP_KEYS = ("case_id", "policy_id", "decision", "refused", "refusal_reasons", "override_reason",
            "overridden_by", "warnings", "safety")  # fmt: skip


def plan_json(plan: ProcedurePlan) -> str:
    """The plan as JSON: decision, refusal reasons, override, warnings and screen first."""
    data = dataclasses.asdict(plan)
    ordered = {k: data.pop(k) for k in TOP_KEYS if k in data}
    ordered.update(data)
    ordered["risks"] = [dict(dataclasses.asdict(r), rate_text=r.rate_text) for r in RISKS]
    ordered["benefits"] = [dataclasses.asdict(b) for b in BENEFITS]
    ordered["alternatives"] = [dataclasses.asdict(a) for a in ALTERNATIVES]
    return json.dumps(ordered, indent=2, default=_json_default) + "\n"


def outcome_sections(report: OutcomeReport) -> Sections:
    """Alerts first, then the named baseline, then each visit at its trial time point."""
    alerts = [a.text for a in report.alerts] or ["none"]
    base = [f"{b.measure}: {b.note}" for b in report.baseline]
    sections: Sections = [
        ("Alerts", alerts),
        ("Baseline", [f"procedure date {report.procedure_date}", *base]),
    ]
    for v in report.visits:
        lines = [f"time point: {v.time_point_note}"]
        for c in v.changes:
            value = "not recorded" if c.visit_points is None else f"{c.visit_points:g}"
            if c.improvement_points is None:
                change = "no baseline" if c.baseline_points is None else "not measured"
            else:
                change = f"improvement {c.improvement_points:+g}"
            lines.append(f"{c.measure}: {value}; {change}; MCID {c.mcid_points:g} "
                         f"{word(c.reaches_mcid)}; {c.note}")  # fmt: skip
        lines += [f"new fractures: {v.new_fractures}", f"complications: {v.complications}"]
        sections.append((f"Visit {v.visit_date} (day {v.days_after})", lines))
    if not report.visits:
        sections.append(("Visits", ["no follow-up visits recorded"]))
    sections.append(("Note", [OUTCOMES_DISCLAIMER]))
    return sections
