"""Patient documents to HTML (jinja2 template, package data) and PDF (fpdf2 core fonts).

Print standards: body text 12 pt, headings 14 pt, title 18 pt; on every page the
clinic's name, the case reference and "Page n of N" (PDF header and footer; in HTML,
``@page`` margin boxes and a running header for print). PDF uses only fpdf2's built-in
Helvetica, so it installs from PyPI alone; core fonts draw latin-1 only, so every
string passes through ``to_latin1`` first.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from kypho.documents.types import PatientDocument, to_latin1

if TYPE_CHECKING:
    from fpdf import FPDF

PAGE_MARGIN_MM = 18.0
RUNNING_PT = 12  # header and footer: read by the patient too, so body size
TITLE_PT = 18
HEADING_PT = 14
BODY_PT = 12
LINE_MM_PER_PT = 0.5  # line height 0.5 mm per pt (about 1.4 x the font size)
BULLET_INDENT_MM = 6.0
BLANK_LINE_GAP_MM = 8.0
PARAGRAPH_GAP_MM = 1.0
FIGURE_WIDTH_SHARE = 0.6  # a figure takes 60 % of the text width: large, two fit a page


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, every non-alphanumeric character escaped.

    >>> str(css_string('EX-1 "</style>'))
    '"EX\\\\2d 1\\\\20 \\\\22 \\\\3c \\\\2f style\\\\3e "'
    """
    escaped = "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')


_ENV = Environment(
    loader=PackageLoader("kypho.documents", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["css_string"] = css_string
_ENV.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")


def render_html(doc: PatientDocument) -> str:
    """The document as a printable, self-contained HTML page (all text escaped)."""
    return _ENV.get_template("patient.html.j2").render(
        doc=doc, body_pt=BODY_PT, heading_pt=HEADING_PT, title_pt=TITLE_PT
    )


def _running_text(doc: PatientDocument) -> str:
    return to_latin1(f"{doc.clinic.heading} | {doc.title} | Case ref: {doc.reference}")


def _new_pdf(doc: PatientDocument) -> FPDF:
    from fpdf import FPDF  # lazy: only the PDF path needs it

    running = _running_text(doc)

    class _PatientPDF(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=RUNNING_PT)
            self.cell(0, RUNNING_PT * LINE_MM_PER_PT, running, new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-PAGE_MARGIN_MM + 4)
            self.set_font("Helvetica", size=RUNNING_PT)
            text = to_latin1(f"Case ref: {doc.reference} | Page {self.page_no()} of {{nb}}")
            self.cell(0, RUNNING_PT * LINE_MM_PER_PT, text, align="C")

    pdf = _PatientPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=PAGE_MARGIN_MM + 4)
    pdf.set_title(to_latin1(doc.title))
    pdf.set_creator("kypho (decision support)")
    return pdf


def render_pdf(doc: PatientDocument) -> bytes:
    """The document as a US-letter PDF, with header and footer on every page."""
    pdf = _new_pdf(doc)
    pdf.add_page()
    width_mm = pdf.w - 2 * PAGE_MARGIN_MM

    def write(text: str, *, size: int, style: str = "", indent_mm: float = 0.0) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.set_x(PAGE_MARGIN_MM + indent_mm)
        # left-aligned, never justified: even word spacing is easier to read
        pdf.multi_cell(width_mm - indent_mm, size * LINE_MM_PER_PT, to_latin1(text), align="L",
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.ln(PARAGRAPH_GAP_MM)

    write(doc.title, size=TITLE_PT, style="B")
    write(doc.intro, size=BODY_PT)
    for section in doc.sections:
        pdf.ln(2)
        write(section.heading, size=HEADING_PT, style="B")
        for paragraph in section.paragraphs:
            write(paragraph, size=BODY_PT)
        for bullet in section.bullets:
            write(f"- {bullet}", size=BODY_PT, indent_mm=BULLET_INDENT_MM)
        for figure in section.figures:
            pdf.image(io.BytesIO(figure.png), x=PAGE_MARGIN_MM, w=width_mm * FIGURE_WIDTH_SHARE)
            write(figure.caption, size=BODY_PT, style="I")
    for blank in doc.blanks:
        pdf.ln(BLANK_LINE_GAP_MM)
        write(f"{blank}: " + "_" * 45, size=BODY_PT)
    if doc.sources:
        pdf.ln(3)
        write("Where the numbers come from", size=HEADING_PT, style="B")
        for number, source in enumerate(doc.sources, start=1):
            write(f"[{number}] {source}", size=BODY_PT)
    pdf.ln(3)
    write(doc.disclaimer, size=BODY_PT, style="I")
    return bytes(pdf.output())
