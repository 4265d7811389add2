"""A patient document as data, rendered alike to HTML and PDF; and latin-1 text for PDF."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

PATIENT_DISCLAIMER = (
    "This paper was made with kypho, a computer tool that helps doctors plan care. "
    "It does not make decisions. Your doctor decides with you."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientDocument:
    """Plain-language document; ``blanks`` are lines the clinic fills in by hand."""

    title: str
    intro: str
    sections: tuple[Section, ...]
    blanks: tuple[str, ...]
    disclaimer: str = PATIENT_DISCLAIMER

    @property
    def prose(self) -> str:
        """Every sentence the patient reads (headings and blank lines left out)."""
        parts = [self.intro]
        for section in self.sections:
            parts += section.paragraphs
            parts += section.bullets
        parts.append(self.disclaimer)
        return " ".join(p if p.endswith((".", "?", "!", ":")) else p + "." for p in parts)


_REPLACEMENTS = {
    "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
    "\u201d": '"', "\u2022": "-", "\u2026": "...", "\u2265": ">=", "\u2264": "<=",
    "\u2192": "->", "\u00a0": " ",
}  # fmt: skip


def to_latin1(text: str) -> str:
    """Transliterate ``text`` to latin-1, which fpdf2's core fonts can draw.

    >>> to_latin1("4\u20136 weeks \u2265 5 lb \u2014 caf\u00e9 \u0101 \u03b1")
    '4-6 weeks >= 5 lb - caf\u00e9 a ?'
    """
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        if len(char) == 1 and ord(char) > 0xFF:
            char = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or "?"
        out.append(char)
    return "".join(out)
