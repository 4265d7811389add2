"""Consent and discharge: content, reading level, HTML and PDF parsed back."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from kypho.documents import (
    consent_document,
    discharge_document,
    render_html,
    render_pdf,
)

MAX_FK_GRADE = 8.9  # 6th-8th grade target; asserted <= 8.x


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def test_consent_content(plan) -> None:
    doc = consent_document(plan)
    prose = doc.prose
    assert "1 broken bone in your spine (L1)" in prose
    assert "about 30 to 60 minutes" in prose
    assert "18 to 29 of every 100" in prose  # cement leakage, clinical-reference §5.1
    assert prose.count("How often this happens is not known.") == 4  # §5.1 UNCONFIRMED
    heading = {s.heading: s for s in doc.sections}
    mine = heading["Your own risk factors"].bullets
    assert mine == ("Being a woman over 70", "Weighing less than 125 pounds", "Smoking")
    assert "not getting much exercise" in prose  # not recorded, never assumed absent
    assert any("Vertebroplasty" not in b and "fake procedure" in b
               for b in heading["Other choices"].bullets)  # fmt: skip
    assert "Patient signature and date" in doc.blanks
    assert "Your doctor decides" in doc.disclaimer


def test_refused_plan_has_no_consent(plan) -> None:
    from dataclasses import replace

    with pytest.raises(RuntimeError):
        consent_document(replace(plan, refused=True, levels=()))


def test_reading_level(plan, pathway, fk_grade) -> None:
    for doc in (consent_document(plan), discharge_document(pathway)):
        grade = fk_grade(doc.prose)
        assert grade <= MAX_FK_GRADE, (doc.title, grade)


def test_no_identifiers_in_patient_documents(plan, pathway) -> None:
    for doc in (consent_document(plan), discharge_document(pathway)):
        html = render_html(doc)
        assert plan.case_id not in html
        assert plan.case_id not in doc.prose


def test_discharge_dates_from_procedure_end(pathway) -> None:
    doc = discharge_document(pathway)
    first_day = {s.heading: s for s in doc.sections}["The first day"].bullets
    assert first_day[0].startswith("Tue 10 Mar, 10:15 to 10:45: Our staff will watch you")
    assert first_day[2].startswith("Tue 10 Mar, 10:45 to 11:45: At home, lie flat")
    visits = {s.heading: s for s in doc.sections}["Your visits"].bullets
    assert visits[0] == "First visit: between Tue 24 Mar 2026 and Tue 07 Apr 2026."
    assert visits[1] == "Visit at 3 months: near Wed 10 Jun 2026."
    assert "Call 911 for chest pain" in doc.prose


def test_html_is_escaped_and_complete(plan) -> None:
    html = render_html(consent_document(plan))
    assert html.startswith("<!DOCTYPE html>")
    assert "<h1>Consent for balloon kyphoplasty</h1>" in html
    assert html.count('class="blank"') == 5
    assert "kypho, a computer tool" in html
    assert "<script" not in html


@pytest.mark.parametrize("which", ["consent", "discharge"])
def test_pdf_parses_back_on_one_or_two_pages(plan, pathway, which) -> None:
    doc = consent_document(plan) if which == "consent" else discharge_document(pathway)
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    pages, text = _pdf_text(data)
    assert 1 <= pages <= 2
    flat = re.sub(r"\s+", " ", text)
    assert doc.title in flat
    assert "Your doctor decides with you." in flat
    assert "Patient name:" in flat
    for section in doc.sections:
        assert section.heading in flat
