"""Whether the CT was taken with IV contrast, from its headers, and how that is known.

The Contrast/Bolus module (DICOM PS3.3 C.7.6.4) is present when contrast was given:
Contrast/Bolus Agent (0018,0010), Route (0018,1040), Volume (0018,1041), Start Time
(0018,1042), Ingredient (0018,1048). A value in any of them reads as **contrast**
(the phase itself is not read: "contrast (phase unknown)"), unless the agent says there
was none ("NONE", "NO", "N/A"...), which reads as **non-contrast**. Empty or absent
attributes prove nothing (anonymisers strip them; some scanners write them empty), so the
Series Description (0008,103E) is then read as a **weaker hint** (its words only, and
said so); with nothing to go on, or the two disagreeing, the phase is **unknown**.

Pickhardt 2013 found that IV contrast did not affect the thresholds' performance
(clinical reference 6.1): the phase is reported beside the HU; nothing is adjusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.dataset import Dataset

from kypho.domain.imaging import ContrastPhase

# Contrast/Bolus module attributes other than the agent: any value means contrast given.
_GIVEN = (
    ("ContrastBolusRoute", "(0018,1040)"),
    ("ContrastBolusVolume", "(0018,1041)"),
    ("ContrastBolusStartTime", "(0018,1042)"),
    ("ContrastBolusIngredient", "(0018,1048)"),
)
AGENT = ("ContrastBolusAgent", "(0018,0010)")
# PROJECT CONVENTION: agent values that say no contrast was given (upper-cased, trimmed).
NO_AGENT = frozenset({"NONE", "NO", "N/A", "NA", "0", "NO CONTRAST", "NON-CONTRAST", "NIL"})
# PROJECT CONVENTION: description words (whole words, any case). Non-contrast first:
# "non contrast" also holds the word "contrast".
_NON_CONTRAST_WORDS = re.compile(
    r"\b(non[- ]?contrast|without contrast|w/o contrast|w/o|nativ|native|plain|nect|"
    r"non[- ]?enhanced|unenhanced|nc)\b",
    re.IGNORECASE,
)
_CONTRAST_WORDS = re.compile(
    r"(\b(contrast|arterial|venous|portal|pv|cta|angio|enhanced|km|kontrast|delayed|"
    r"nephrographic|cect)\b|\+c\b|w/ ?contrast|\bw/c\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContrastReading:
    """The contrast phase and what it was read from, in words."""

    phase: ContrastPhase
    evidence: str


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    return "" if value is None else str(value).strip()


def _from_headers(headers: Iterable[Dataset]) -> ContrastReading | None:
    for ds in headers:
        agent = _text(ds, AGENT[0])
        if agent and agent.upper() not in NO_AGENT:
            return ContrastReading(
                phase=ContrastPhase.CONTRAST,
                evidence=f"Contrast/Bolus Agent {AGENT[1]} {agent!r}; phase not read",
            )
        for keyword, tag in _GIVEN:
            if value := _text(ds, keyword):
                return ContrastReading(
                    phase=ContrastPhase.CONTRAST,
                    evidence=f"{keyword} {tag} {value!r}; phase not read",
                )
        if agent:
            return ContrastReading(
                phase=ContrastPhase.NON_CONTRAST,
                evidence=f"Contrast/Bolus Agent {AGENT[1]} {agent!r} (none given)",
            )
    return None


def _from_description(description: str) -> ContrastReading:
    said = f"SeriesDescription (0008,103E) {description!r}"
    weak = "a weaker hint: the description's words only, no Contrast/Bolus attributes"
    non_contrast = _NON_CONTRAST_WORDS.search(description)
    rest = _NON_CONTRAST_WORDS.sub(" ", description)
    contrast = _CONTRAST_WORDS.search(rest)
    if non_contrast and contrast:
        return ContrastReading(
            phase=ContrastPhase.UNKNOWN,
            evidence=f"{said} has words for and against contrast; no Contrast/Bolus attributes",
        )
    if non_contrast:
        return ContrastReading(phase=ContrastPhase.NON_CONTRAST, evidence=f"{said} ({weak})")
    if contrast:
        return ContrastReading(
            phase=ContrastPhase.CONTRAST, evidence=f"{said} ({weak}); phase not read"
        )
    return ContrastReading(
        phase=ContrastPhase.UNKNOWN,
        evidence="no Contrast/Bolus attributes (0018,0010), (0018,1040)-(0018,1048) with a "
        "value, and no contrast words in SeriesDescription (0008,103E)",
    )


def contrast_phase(headers: Iterable[Dataset]) -> ContrastReading:
    """The contrast phase of a CT series from its slices' headers (first slice's words)."""
    found = list(headers)
    from_headers = _from_headers(found)
    if from_headers is not None:
        return from_headers
    description = _text(found[0], "SeriesDescription") if found else ""
    return _from_description(description)
