"""Balloon size class and expected cement volume for one level, with the derivation.

Derivation (documented in ``docs/planning.md``):

1. Published typical: in FREE, cement matched balloon inflation at about 2.4 mL per
   side, about 4.8 mL per bipedicular level; SWISSspine found volumes under 4.5 mL
   less likely to give average pain relief (clinical-reference.md §4.2). With no
   morphometry the plan uses the medium row below, which spans those figures.
2. With morphometry (height loss from measured heights or a reader's report), the
   Genant grade of the level (clinical-reference.md §3.1) picks a row of
   ``VOLUME_BY_GRADE``: a flatter body leaves more height to restore and a larger
   cavity to fill. The row bounds other than 4.5 and 4.8 mL are a project convention.
3. Unipedicular uses about 1.2-2.1 mL less (§4.3). Higher volume is a leakage risk
   factor (§4.2), so the high end is a ceiling to watch, not a target.

The balloon size classes are the Kyphon sizes 10/x, 15/x, 20/3 (§4.1); what the
numbers mean (length mm / volume mL) is UNCONFIRMED in our sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from kypho.domain.imaging import LevelFinding
from kypho.planning.approach import (
    UNIPEDICULAR_CEMENT_LESS_HIGH_ML,
    UNIPEDICULAR_CEMENT_LESS_LOW_ML,
)
from kypho.planning.sources import (
    URL_FREE_VOLUME,
    URL_GENANT,
    URL_IFU_XPANDER,
    URL_LEAK_META,
    URL_SWISSSPINE,
    URL_UNI_BI,
    convention,
    ref,
)
from kypho.planning.types import Approach, CementEstimate, Reason

MIN_UNIPEDICULAR_VOLUME_ML = 1.0  # floor so a subtraction never gives a nonsense range


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumeRow:
    grade: str
    height_loss_from_pct: float  # inclusive lower bound; Genant §3.1
    balloon_size_class: str
    bipedicular_low_ml: float
    bipedicular_high_ml: float


# Genant boundaries per clinical-reference.md §3.1 (grade 1 = 20 <= x < 25, grade 2 =
# 25 <= x <= 40, grade 3 > 40). 4.5 mL (SWISSspine) and 4.8 mL (FREE) anchor the medium
# row; the other bounds are a project convention needing clinical confirmation.
VOLUME_BY_GRADE: tuple[VolumeRow, ...] = (
    VolumeRow(grade="Genant 0-1 (< 25 %)", height_loss_from_pct=0.0,
              balloon_size_class="10/x (small)", bipedicular_low_ml=3.0, bipedicular_high_ml=4.5),
    VolumeRow(grade="Genant 2 (25-40 %)", height_loss_from_pct=25.0,
              balloon_size_class="15/x (medium)", bipedicular_low_ml=4.5, bipedicular_high_ml=6.0),
    VolumeRow(grade="Genant 3 (> 40 %)", height_loss_from_pct=40.000001,
              balloon_size_class="20/3 (large)", bipedicular_low_ml=6.0, bipedicular_high_ml=8.0),
)  # fmt: skip
TYPICAL_ROW = VOLUME_BY_GRADE[1]

CEMENT_CITATIONS = (
    ref("4.2", URL_FREE_VOLUME),
    ref("4.2", URL_SWISSSPINE),
    ref("4.2", URL_LEAK_META),
    ref("4.1", URL_IFU_XPANDER),
    convention("volume rows other than 4.5 and 4.8 mL; grade-to-balloon mapping"),
)


def row_for_height_loss(height_loss_pct: float) -> VolumeRow:
    """The volume row for a measured height loss in %.

    >>> row_for_height_loss(30.0).balloon_size_class
    '15/x (medium)'
    """
    return [r for r in VOLUME_BY_GRADE if height_loss_pct >= r.height_loss_from_pct][-1]


def estimate_cement(finding: LevelFinding | None, *, approach: Approach) -> CementEstimate:
    """Balloon size class and expected cement volume range for one level.

    Parameters
    ----------
    finding
        The level's most recent imaging finding, or ``None`` when there is none.
    approach
        Bipedicular or unipedicular; unipedicular subtracts the §4.3 difference.
    """
    loss_pct = finding.effective_height_loss_pct if finding is not None else None
    if loss_pct is None:
        row, basis = TYPICAL_ROW, "published typical"
        why = (
            "No measured height loss for this level, so the published typical volume is used: "
            "about 2.4 mL per side (4.8 mL per level) in FREE, with under 4.5 mL linked to "
            "less pain relief in SWISSspine."
        )
    else:
        row, basis = row_for_height_loss(loss_pct), "morphometry"
        source = f" ({finding.source})" if finding is not None and finding.source else ""
        why = (
            f"Measured height loss {loss_pct:.0f} %{source} is {row.grade} "
            f"(Genant, {URL_GENANT}); a flatter body leaves a larger cavity to fill."
        )
    low_ml, high_ml = row.bipedicular_low_ml, row.bipedicular_high_ml
    if approach is Approach.UNIPEDICULAR:
        low_ml = max(MIN_UNIPEDICULAR_VOLUME_ML, low_ml - UNIPEDICULAR_CEMENT_LESS_HIGH_ML)
        high_ml = max(low_ml, high_ml - UNIPEDICULAR_CEMENT_LESS_LOW_ML)
        why += f" Unipedicular uses about 1.2-2.1 mL less ({URL_UNI_BI})."
    why += " Higher volume raises the leakage risk; fluoroscopy decides the final fill."
    return CementEstimate(
        balloon_size_class=row.balloon_size_class,
        volume_low_ml=low_ml,
        volume_high_ml=high_ml,
        basis=basis,
        reason=Reason(text=why, citations=CEMENT_CITATIONS),
    )
