"""The case form's sections, in the order a clinician works through a referral.

A section names the case-file fields it shows; a field of the case model that no
section names is shown in a last section, so a new model field is never left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from kypho.web.forms.tree import Node, case_tree


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    legend: str
    nodes: tuple[Node, ...]


SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("case", "Case", ("schema_version", "case_id")),
    ("patient", "Patient", ("patient",)),
    ("fractures", "Fractures", ("fractures",)),
    ("imaging", "Imaging", ("imaging",)),
    ("pain", "Pain and function", ("pain", "function")),
    ("conservative", "Conservative care", ("conservative_care",)),
    ("contraindications", "Contraindications", ("contraindications",)),
    ("continuum", "Continuum of care", ("continuum_of_care", "suspicion_signs")),
    ("procedure", "Procedure", ("procedure",)),
    ("follow-up", "Follow-up visits", ("follow_up",)),
)


def sections() -> tuple[Section, ...]:
    """Every top-level field of the case model, each in exactly one section."""
    by_key = {node.key: node for node in case_tree().children}
    placed = [
        Section(sid, legend, tuple(by_key[k] for k in keys if k in by_key))
        for sid, legend, keys in SECTIONS
    ]
    named = {key for _, _, keys in SECTIONS for key in keys}
    rest = tuple(node for key, node in by_key.items() if key not in named)
    return (*placed, Section("other", "Other", rest)) if rest else tuple(placed)
