"""A patient document as data, rendered alike to HTML and PDF; and latin-1 text for PDF."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

PATIENT_DISCLAIMER = (
    "This paper was made with kypho, a computer tool that helps doctors plan care. "
    "It does not make decisions. Your doctor decides with you."
)


EMERGENCY_LINE = "For an emergency, call 911."


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicContact:
    """The clinic's name and phone as printed on patient documents (from ``Settings``).

    Either may be unset (``None`` or blank); the documents then say plainly whom to
    call instead of leaving a blank line.

    >>> ClinicContact(name="Spine Clinic", phone="555-0100").call_line
    'Call Spine Clinic at 555-0100. For an emergency, call 911.'
    >>> ClinicContact().call_line
    'Call the clinic that did your procedure. For an emergency, call 911.'
    """

    name: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        for field in ("name", "phone"):
            value = getattr(self, field)
            object.__setattr__(self, field, (value or "").strip() or None)

    @property
    def call_line(self) -> str:
        if self.name and self.phone:
            who = f"Call {self.name} at {self.phone}."
        elif self.phone:
            who = f"Call your clinic at {self.phone}."
        elif self.name:
            who = f"Call {self.name}, the clinic that did your procedure."
        else:
            who = "Call the clinic that did your procedure."
        return f"{who} {EMERGENCY_LINE}"

    @property
    def heading(self) -> str:
        """The clinic's name for the top of each page, or a plain stand-in."""
        return self.name or "Your clinic"


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """A picture in a document: PNG bytes and the plain-language caption printed under it."""

    png: bytes
    caption: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientDocument:
    """Plain-language document; ``blanks`` are lines the clinic fills in by hand.

    ``reference`` (the case reference) and the clinic's contact are printed on every
    page; ``sources`` are numbered, and the figures in the text cite them as "[n]".
    """

    title: str
    reference: str
    clinic: ClinicContact
    intro: str
    sections: tuple[Section, ...]
    blanks: tuple[str, ...]
    sources: tuple[str, ...] = ()
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
