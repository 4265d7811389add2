"""A fracture at one vertebral level, with its cause and when its pain began."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain.levels import Level


class Etiology(StrEnum):
    OSTEOPOROTIC = "osteoporotic"
    STEROID_INDUCED = "steroid_induced"
    METASTASIS = "metastasis"
    MYELOMA = "myeloma"
    BENIGN_LESION = "benign_lesion"  # e.g. an aggressive haemangioma
    TRAUMATIC = "traumatic"  # high-energy trauma

    @property
    def is_osteoporotic(self) -> bool:
        """Steroid-induced fractures are fractures of secondary (glucocorticoid) osteoporosis."""
        return self in (Etiology.OSTEOPOROTIC, Etiology.STEROID_INDUCED)

    @property
    def is_malignant(self) -> bool:
        return self in (Etiology.METASTASIS, Etiology.MYELOMA)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fracture:
    """One fractured level. ``None`` means not recorded.

    ``pain_attributed_to_fracture``: on examination, the current pain comes
    primarily from this fracture (tenderness at the level, concordant imaging).
    ``needs_reinforcement_before_surgery``: the bone is to be reinforced before a
    planned spinal operation (seed ``001_ed546894017ef93a.txt``).
    """

    level: Level
    etiology: Etiology | None = None
    symptom_onset_date: date | None = None
    pain_attributed_to_fracture: bool | None = None
    needs_reinforcement_before_surgery: bool | None = None

    def age_days(self, on: date) -> int | None:
        if self.symptom_onset_date is None:
            return None
        return (on - self.symptom_onset_date).days
