"""Pictures in the consent form: each key frame placed after what is planned, captioned,
in the PDF (read back with pypdf) and in the HTML (inline, no file beside it)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from kypho.documents.consent import consent_document  # noqa: E402
from kypho.documents.render import render_html, render_pdf  # noqa: E402
from kypho.documents.types import ClinicContact, Figure  # noqa: E402
from kypho.planning.types import ProcedurePlan  # noqa: E402

CAPTIONS = ("Step 1: the needles go in.", "Step 2: the balloon opens a space.")


def _png(shade: float) -> bytes:
    figure, axes = plt.subplots(figsize=(3, 2), dpi=60)
    axes.imshow([[shade, 1 - shade], [1 - shade, shade]], cmap="gray")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


FIGURES = tuple(Figure(png=_png(s), caption=c) for s, c in zip((0.2, 0.8), CAPTIONS, strict=True))


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_consent_shows_each_picture_with_its_caption_after_the_plan(
    plan: ProcedurePlan,
) -> None:
    doc = consent_document(plan, clinic=ClinicContact(), figures=FIGURES)
    headings = [s.heading for s in doc.sections]
    assert headings.index("The treatment, step by step") == 1  # right after what is planned
    pdf = render_pdf(doc)
    assert _images(pdf) == 2
    text = _text(pdf)
    assert all(caption in text for caption in CAPTIONS)
    html = render_html(doc)
    assert html.count("<figure>") == 2 and html.count('src="data:image/png;base64,') == 2
    assert all(f'alt="{caption}"' in html for caption in CAPTIONS)


def test_without_pictures_the_consent_is_as_before(plan: ProcedurePlan) -> None:
    plain = consent_document(plan, clinic=ClinicContact())
    assert "The treatment, step by step" not in [s.heading for s in plain.sections]
    assert _images(render_pdf(plain)) == 0
    assert "<figure>" not in render_html(plain)
