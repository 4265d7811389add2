"""CPT codes per treated level: 22513 thoracic, 22514 lumbar, +22515 each additional."""

from __future__ import annotations

from kypho.domain.coding import CPT_ADDITIONAL, kyphoplasty_cpt
from kypho.domain.levels import Level
from kypho.planning.sources import URL_CPT, ref
from kypho.planning.types import Reason

CPT_CITATIONS = (ref("1.9", URL_CPT),)


def billing_codes(levels: tuple[Level, ...]) -> tuple[tuple[Level, str | None, Reason], ...]:
    """One code per level, cranio-caudal: the first level's primary code, then add-ons.

    The table is ``kypho.domain.coding`` (shared with the candidacy engine); a cervical or
    sacral level has no code in 22513-22515 and gets ``None`` with a reason.

    >>> [(str(lv), code) for lv, code, _ in billing_codes((Level.L1, Level.T12))]
    [('T12', '22513'), ('L1', '+22515')]
    """
    result: list[tuple[Level, str | None, Reason]] = []
    for level, code in kyphoplasty_cpt(levels):
        if code is None:
            why = f"{level} is {level.region}: 22513-22515 cover thoracic and lumbar bodies only."
        elif code == CPT_ADDITIONAL:
            why = f"Each additional thoracic or lumbar body: {CPT_ADDITIONAL} (add-on)."
        else:
            why = f"First level treated, {level.region}: {code}."
        result.append((level, code, Reason(text=why, citations=CPT_CITATIONS)))
    return tuple(result)
