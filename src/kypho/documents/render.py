"""Patient documents to HTML (jinja2 template, package data) and PDF (fpdf2 core fonts).

PDF uses only fpdf2's built-in Helvetica, so it installs from PyPI alone; core fonts
draw latin-1 only, so every string passes through ``to_latin1`` first.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from kypho.documents.types import PatientDocument, to_latin1

PAGE_MARGIN_MM = 15.0
TITLE_PT = 16
HEADING_PT = 12
BODY_PT = 10
SMALL_PT = 8
LINE_MM = 4.6  # body line height for 10 pt text
BULLET_INDENT_MM = 5.0
BLANK_LINE_GAP_MM = 7.0

_ENV = Environment(
    loader=PackageLoader("kypho.documents", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(doc: PatientDocument) -> str:
    """The document as a printable, self-contained HTML page."""
    return _ENV.get_template("patient.html.j2").render(doc=doc)


def render_pdf(doc: PatientDocument) -> bytes:
    """The document as a US-letter PDF (one or two pages for kypho's documents)."""
    from fpdf import FPDF  # lazy: only the PDF path needs it

    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=PAGE_MARGIN_MM)
    pdf.set_title(to_latin1(doc.title))
    pdf.set_creator("kypho (decision support)")
    pdf.add_page()
    width_mm = pdf.w - 2 * PAGE_MARGIN_MM

    def write(text: str, *, size: int, style: str = "", indent_mm: float = 0.0) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.set_x(PAGE_MARGIN_MM + indent_mm)
        pdf.multi_cell(width_mm - indent_mm, LINE_MM * size / BODY_PT, to_latin1(text),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip

    write(doc.title, size=TITLE_PT, style="B")
    write(doc.intro, size=BODY_PT)
    for section in doc.sections:
        pdf.ln(1.5)
        write(section.heading, size=HEADING_PT, style="B")
        for paragraph in section.paragraphs:
            write(paragraph, size=BODY_PT)
        for bullet in section.bullets:
            write(f"- {bullet}", size=BODY_PT, indent_mm=BULLET_INDENT_MM)
    for blank in doc.blanks:
        pdf.ln(BLANK_LINE_GAP_MM)
        write(f"{blank}: " + "_" * 60, size=BODY_PT)
    pdf.ln(3)
    write(doc.disclaimer, size=SMALL_PT, style="I")
    return bytes(pdf.output())
