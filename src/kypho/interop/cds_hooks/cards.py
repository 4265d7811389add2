"""The card: the candidacy decision, what is missing, the contraindications, the sources.

``summary`` stays under 140 characters (CDS Hooks 2.0); ``indicator`` is ``critical``
when a contraindication is recorded present, ``info`` for a candidate, else ``warning``.
``detail`` (Markdown) lists each policy's decision, every criterion with its outcome and
citations, the missing documents and the disclaimer. Suggestions (each with a uuid):
order the MRI the decision lacks, refer for bone density with osteoporosis education.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from kypho.domain.case import Case
from kypho.interop.fhir.codes import BMD_REFERRAL, KYPHO
from kypho.rules import Assessment, CriterionResult, Decision
from kypho.workflows.assess import CaseAssessment

SUMMARY_MAX_CHARS = 139  # CDS Hooks 2.0: summary "<140 characters"
LCD_URL = "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?LCDId=34106"
SOURCE_LABEL = "kypho decision support (practice criteria, Medicare LCD L34106)"
WORDS = {Decision.CANDIDATE: "criteria met", Decision.NOT_CANDIDATE: "criteria not met",
         Decision.NEEDS_INFORMATION: "information missing",
         Decision.NEEDS_REVIEW: "needs the physician's review"}  # fmt: skip


def _short(text: str) -> str:
    """``text`` cut to the summary limit.

    >>> len(_short("x" * 300)) <= SUMMARY_MAX_CHARS
    True
    """
    return text if len(text) <= SUMMARY_MAX_CHARS else text[: SUMMARY_MAX_CHARS - 3] + "..."


def indicator(result: CaseAssessment, main: Assessment) -> str:
    if result.contraindications_present:
        return "critical"
    return "info" if main.decision is Decision.CANDIDATE else "warning"


def _flatten(criteria: Iterable[CriterionResult]) -> Iterator[CriterionResult]:
    for c in criteria:
        yield c
        yield from _flatten(c.children)


def _criteria_lines(assessment: Assessment) -> Iterator[str]:
    everything = [*assessment.criteria, *(c for la in assessment.levels for c in la.criteria)]
    for c in _flatten(everything):
        where = f"{c.level}: " if c.level else ""
        sources = "; ".join(str(s) for s in c.citations) or "no citation"
        yield f"- {where}{c.text}: **{c.outcome.value}** ({sources})"


def detail(result: CaseAssessment, unread: tuple[str, ...]) -> str:
    parts: list[str] = []
    if result.contraindications_present:
        parts.append(
            "**Contraindications recorded:** " + "; ".join(result.contraindications_present)
        )
    for a in result.assessments:
        parts.append(f"### {a.policy_title}\n\nDecision: **{a.verdict}**")
        if a.missing:
            docs = sorted({m.document for m in a.missing})
            parts.append("Missing:\n" + "\n".join(f"- {d}" for d in docs))
        parts.append("Criteria:\n" + "\n".join(_criteria_lines(a)))
    if unread:
        parts.append("Not read (neither prefetched nor fetched; those facts are unknown): "
                     + ", ".join(unread))  # fmt: skip
    parts.append(f"*{result.assessments[0].disclaimer}*")
    return "\n\n".join(parts)


def _needs_mri(result: CaseAssessment) -> bool:
    return any("MRI" in m.document or "edema" in m.fact for a in result.assessments
               for m in a.missing)  # fmt: skip


def _service_request(patient_id: str, code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
            "code": code, "subject": {"reference": f"Patient/{patient_id}"}}  # fmt: skip


def suggestions(result: CaseAssessment, case: Case, patient_id: str) -> list[dict[str, Any]]:
    found = []
    if _needs_mri(result):
        levels = ", ".join(str(f.level) for f in case.fractures or ()) or "the fractured levels"
        code: dict[str, Any] = {
            "text": f"MRI of the spine ({levels}): marrow edema at the fractured levels"
        }
        found.append(("Order the missing MRI", code))
    if not (case.continuum_of_care and case.continuum_of_care.bmd_referral_with_education):
        code = {"coding": [{"system": KYPHO, "code": BMD_REFERRAL}],
                "text": "Bone density (BMD) evaluation with osteoporosis education"}  # fmt: skip
        found.append(("Refer for bone density evaluation (BMD) with education", code))
    return [
        {"label": label, "uuid": str(uuid.uuid4()), "actions": [
            {"type": "create", "description": label,
             "resource": _service_request(patient_id, code)}]}
        for label, code in found
    ]  # fmt: skip


def card(
    result: CaseAssessment,
    main: Assessment,
    *,
    patient_id: str,
    case_url: str,
    unread: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The one card of a hook call, from ``main`` (the first candidacy policy) and the rest."""
    levels = ", ".join(str(f.level) for f in result.case.fractures or ())
    others = "; ".join(f"{a.policy_id}: {WORDS[a.decision]}" for a in result.assessments
                       if a is not main)  # fmt: skip
    ci = " CONTRAINDICATION." if result.contraindications_present else ""
    summary = f"Kyphoplasty{' ' + levels if levels else ''}: {WORDS[main.decision]}.{ci}"
    return {
        "uuid": str(uuid.uuid4()),
        "summary": _short(f"{summary} {others}" if others else summary),
        "indicator": indicator(result, main),
        "detail": detail(result, unread),
        "source": {"label": SOURCE_LABEL, "url": LCD_URL},
        "suggestions": suggestions(result, result.case, patient_id),
        "selectionBehavior": "any",
        "links": [{"label": "Open in kypho", "url": case_url, "type": "absolute"}],
    }
