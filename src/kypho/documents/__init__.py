"""Documents people use: the clinician's plan, consent and discharge (HTML, PDF), calendar."""

from kypho.documents.calendar import render_ics
from kypho.documents.clinician import (
    as_markdown,
    as_text,
    outcome_sections,
    plan_json,
    plan_sections,
    to_json,
)
from kypho.documents.consent import consent_document
from kypho.documents.discharge import discharge_document
from kypho.documents.render import render_html, render_pdf
from kypho.documents.types import ClinicContact, PatientDocument, Section, to_latin1
from kypho.documents.write import write_documents

__all__ = [
    "ClinicContact",
    "PatientDocument",
    "Section",
    "as_markdown",
    "as_text",
    "consent_document",
    "discharge_document",
    "outcome_sections",
    "plan_json",
    "plan_sections",
    "render_html",
    "render_ics",
    "render_pdf",
    "to_json",
    "to_latin1",
    "write_documents",
]
