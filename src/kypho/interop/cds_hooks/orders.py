"""Which draft orders are vertebral augmentation: ServiceRequests coded CPT 22510-22515.

By code and system only, never by display text. The codes (22510, 22511, +22512
vertebroplasty; 22513, 22514, +22515 kyphoplasty: the LCD's Group 1) come from
``kypho.domain.coding``, the one coding table. An add-on code may be written with or
without its "+".
"""

from __future__ import annotations

from typing import Any

from kypho.domain.coding import AUGMENTATION_CPT, VERTEBROPLASTY_CPT, bare_cpt
from kypho.domain.levels import Level
from kypho.interop.fhir.codes import CPT, level_of_vertebra_code

AUGMENTATION_BARE = frozenset(bare_cpt(code) for code in AUGMENTATION_CPT)
VERTEBROPLASTY_BARE = frozenset(bare_cpt(code) for code in VERTEBROPLASTY_CPT)


def order_codes(resource: dict[str, Any]) -> tuple[str, ...]:
    """The vertebral augmentation CPT codes a ServiceRequest is coded with (may be none).

    >>> order_codes({"resourceType": "ServiceRequest", "code": {"coding": [
    ...     {"system": "http://www.ama-assn.org/go/cpt", "code": "+22515"}]}})
    ('22515',)
    >>> order_codes({"resourceType": "ServiceRequest", "code": {"text": "kyphoplasty"}})
    ()
    """
    if resource.get("resourceType") != "ServiceRequest":
        return ()
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    found = []
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == CPT:
            value = bare_cpt(str(coding.get("code", "")))
            if value in AUGMENTATION_BARE:
                found.append(value)
    return tuple(found)


def augmentation_orders(
    drafts: tuple[dict[str, Any], ...], selections: tuple[str, ...]
) -> tuple[dict[str, Any], ...]:
    """The drafts that are augmentation orders; with ``selections``, only the selected."""
    chosen = [
        d for d in drafts
        if not selections or f"{d.get('resourceType')}/{d.get('id')}" in selections
    ]  # fmt: skip
    return tuple(d for d in chosen if order_codes(d))


def order_levels(resource: dict[str, Any]) -> tuple[Level, ...]:
    """The vertebrae the order names in ``bodySite`` (SNOMED, DICOM CID 7603)."""
    by_code = level_of_vertebra_code()
    levels = []
    for site in resource.get("bodySite") or []:
        for coding in site.get("coding") or [] if isinstance(site, dict) else []:
            level = by_code.get(str(coding.get("code"))) if isinstance(coding, dict) else None
            if level is not None and level not in levels:
                levels.append(level)
    return tuple(levels)
