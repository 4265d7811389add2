"""The safety screen in words a patient reads: what was found, what is not known yet.

Keyed by the screen item's name (``kypho.planning.safety``) without its level; an
item not listed here is shown by its clinician name, never left out.
"""

from __future__ import annotations

from kypho.planning.types import FactorStatus, ScreenItem

PLAIN_SCREEN_NAMES: dict[str, str] = {
    "Osteomyelitis": "An infection in a bone of the spine",
    "Discitis": "An infection in a disc of the spine",
    "Active systemic infection": "An infection in the blood or the whole body",
    "Surgical-site infection": "An infection of the skin where the needle would go in",
    "Pregnancy": "Pregnancy",
    "Pain not from the fracture": "Pain that may not come from the broken bone",
    "Uncorrected coagulopathy": "Blood that does not clot well, which raises the risk of bleeding",
    "Allergy to bone cement": "An allergy to bone cement",
    "Allergy to contrast (opacification) agents": "An allergy to the dye used in x-rays",
    "Spinal instability": "A spine that is not stable",
    "Myelopathy": "Pressure on the spinal cord",
    "Neurologic deficit": "Weakness or numbness from nerve damage",
    "Neural impingement": "A pinched nerve",
    "On anticoagulants (blood thinners)": "Taking blood thinners, which raises the risk of "
    "bleeding",
    "Retropulsion or canal compromise": "A piece of broken bone pushed back toward the spinal cord",
    "More than 3 levels in one session": "Treating more than 3 bones at one time, which "
    "raises the chance of cement reaching the lungs",
    "Level in T1-T4": "A break high in the upper back, where this treatment is done less often",
    "Malignant cause (metastasis, myeloma)": "A break caused by cancer. A small sample of "
    "bone may be taken, and a cancer doctor will help plan your care",
    "Age under 18 years": "Being younger than 18",
}


def plain_screen_name(item: ScreenItem) -> str:
    """The patient's words for one screen item, with its level where it has one."""
    suffix = f" at {item.level}" if item.level is not None else ""
    base = item.name.removesuffix(suffix)
    words = PLAIN_SCREEN_NAMES.get(base, base)
    return f"{words} (the {item.level} bone)" if item.level is not None else words


def found(screen: tuple[ScreenItem, ...]) -> tuple[str, ...]:
    return tuple(plain_screen_name(i) for i in screen if i.status is FactorStatus.PRESENT)


def not_known(screen: tuple[ScreenItem, ...]) -> tuple[str, ...]:
    return tuple(plain_screen_name(i) for i in screen if i.status is FactorStatus.NOT_RECORDED)
