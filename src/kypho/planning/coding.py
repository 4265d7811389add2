"""CPT codes per treated level: 22513 thoracic, 22514 lumbar, +22515 each additional."""

from __future__ import annotations

from kypho.domain.levels import Level, Region
from kypho.planning.sources import URL_CPT, ref
from kypho.planning.types import Reason

# clinical-reference.md §1.9 (URL_CPT): kyphoplasty codes, all including imaging guidance.
CPT_FIRST_BY_REGION: dict[Region, str] = {Region.THORACIC: "22513", Region.LUMBAR: "22514"}
CPT_ADDITIONAL = "+22515"
CPT_CITATIONS = (ref("1.9", URL_CPT),)


def billing_codes(levels: tuple[Level, ...]) -> tuple[tuple[str | None, Reason], ...]:
    """One code per level, in the order given: the first level's primary code, then add-ons.

    A cervical or sacral level has no code in 22513-22515; it gets ``None`` and a reason.

    >>> [code for code, _ in billing_codes((Level.T12, Level.L1))]
    ['22513', '+22515']
    """
    result: list[tuple[str | None, Reason]] = []
    primary_given = False
    for level in levels:
        region = level.region
        if region not in CPT_FIRST_BY_REGION:
            why = f"{level} is {region}: 22513-22515 cover thoracic and lumbar bodies only."
            result.append((None, Reason(text=why, citations=CPT_CITATIONS)))
        elif not primary_given:
            code = CPT_FIRST_BY_REGION[region]
            why = f"First level treated, {region}: {code}."
            result.append((code, Reason(text=why, citations=CPT_CITATIONS)))
            primary_given = True
        else:
            why = f"Each additional thoracic or lumbar body: {CPT_ADDITIONAL} (add-on)."
            result.append((CPT_ADDITIONAL, Reason(text=why, citations=CPT_CITATIONS)))
    return tuple(result)
