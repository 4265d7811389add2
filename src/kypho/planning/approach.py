"""Which pedicles to go through: bipedicular by default, unipedicular as the alternative."""

from __future__ import annotations

from kypho.planning.sources import (
    SEED_BKP,
    URL_IFU_XPANDER,
    URL_KYPHON_PATIENT,
    URL_UNI_BI,
    ref,
    seed,
)
from kypho.planning.types import Approach, Reason

BIPEDICULAR_REASON = Reason(
    text=(
        "Bipedicular (one balloon through each pedicle) is the default: the clinic pages "
        "describe treating both sides of the vertebral body, and two balloons, one per side, "
        "is the typical technique."
    ),
    citations=(
        seed(SEED_BKP, "generally done on both sides of the vertebral body"),
        ref("4.1", URL_KYPHON_PATIENT),
        ref("4.1", URL_IFU_XPANDER),
    ),
)

# Meta-analyses: no meaningful difference in pain, ODI, height or kyphosis;
# unipedicular ~19-21 min shorter and ~1.2-2.1 mL less cement (clinical-reference.md §4.3).
UNIPEDICULAR_TIME_SAVED_LOW_MIN = 19
UNIPEDICULAR_TIME_SAVED_HIGH_MIN = 21
UNIPEDICULAR_CEMENT_LESS_LOW_ML = 1.2
UNIPEDICULAR_CEMENT_LESS_HIGH_ML = 2.1

UNIPEDICULAR_TRADE_OFFS = Reason(
    text=(
        "Unipedicular alternative: meta-analyses find no meaningful difference from bipedicular "
        "in pain, ODI, height restoration or kyphosis correction; it is shorter (about "
        f"{UNIPEDICULAR_TIME_SAVED_LOW_MIN}-{UNIPEDICULAR_TIME_SAVED_HIGH_MIN} min less), uses "
        f"about {UNIPEDICULAR_CEMENT_LESS_LOW_ML}-{UNIPEDICULAR_CEMENT_LESS_HIGH_ML} mL less "
        "cement and less fluoroscopy, with less leakage in one analysis. A manufacturer-related "
        "bench test reported more lift force and lower endplate stress with two balloons."
    ),
    citations=(
        ref("4.3", URL_UNI_BI),
        ref("4.3", "https://jointdrs.org/full-text/1609"),
        ref("4.1", "https://amitsharmamd.com/services/kyphoplasty/"),
    ),
)


def choose_approach() -> tuple[Approach, Reason, Approach, Reason]:
    """The approach for a level, its reason, the alternative and its trade-offs.

    The case model holds no pedicle measurements, so every level gets the default;
    the surgeon may switch on the table (the trade-offs say what that costs).

    Returns
    -------
    tuple
        ``(approach, reason, alternative, trade_offs)``.
    """
    return (
        Approach.BIPEDICULAR,
        BIPEDICULAR_REASON,
        Approach.UNIPEDICULAR,
        UNIPEDICULAR_TRADE_OFFS,
    )
