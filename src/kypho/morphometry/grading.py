"""Genant semi-quantitative grade and morphological type from height losses.

Boundary convention (a project choice; Genant's paper leaves exact 25 % and 40 %
unresolved, clinical reference 3.1, UNCONFIRMED as Genant's own rule):
grade 0 < 20 %; grade 1 20 <= x < 25 %; grade 2 25 <= x <= 40 %; grade 3 > 40 %.

References
----------
.. [1] Genant HK, Wu CY, van Kuijk C, Nevitt MC. Vertebral fracture assessment using a
   semiquantitative technique. J Bone Miner Res 1993;8:1137-48.
"""

from __future__ import annotations

from kypho.morphometry.types import Morphology

GRADE_1_MIN_PCT = 20.0
GRADE_2_MIN_PCT = 25.0
GRADE_3_ABOVE_PCT = 40.0
CRUSH_SHARE = 0.8  # posterior loss at least this share of the largest loss: whole body


def genant_grade(height_loss_pct: float) -> int:
    """Genant SQ grade 0-3 for a height loss in %.

    >>> [genant_grade(x) for x in (19.9, 20.0, 24.9, 25.0, 40.0, 40.1)]
    [0, 1, 1, 2, 2, 3]
    """
    if height_loss_pct > GRADE_3_ABOVE_PCT:
        return 3
    if height_loss_pct >= GRADE_2_MIN_PCT:
        return 2
    return 1 if height_loss_pct >= GRADE_1_MIN_PCT else 0


def morphology(
    *, anterior_loss_pct: float, middle_loss_pct: float, posterior_loss_pct: float
) -> Morphology:
    """Wedge (anterior), biconcave (middle) or crush (whole body) from station losses.

    Returns ``Morphology.NONE`` when no station has lost ``GRADE_1_MIN_PCT``.

    >>> morphology(anterior_loss_pct=30, middle_loss_pct=15, posterior_loss_pct=0)
    <Morphology.WEDGE: 'wedge'>
    >>> morphology(anterior_loss_pct=30, middle_loss_pct=32, posterior_loss_pct=29)
    <Morphology.CRUSH: 'crush'>
    """
    largest = max(anterior_loss_pct, middle_loss_pct, posterior_loss_pct)
    if largest < GRADE_1_MIN_PCT:
        return Morphology.NONE
    if posterior_loss_pct >= CRUSH_SHARE * largest:
        return Morphology.CRUSH
    if middle_loss_pct >= anterior_loss_pct:
        return Morphology.BICONCAVE
    return Morphology.WEDGE
