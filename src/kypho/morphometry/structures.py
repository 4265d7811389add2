"""Names and cranio-caudal order of the vertebrae a segmentation may contain.

Transitional segments (T13, L6) keep their own names and sit between their
neighbours in the order; they are never renumbered to a ``Level``.
"""

from __future__ import annotations

STRUCTURE_ORDER: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 14)),
    *(f"L{i}" for i in range(1, 7)),
    "S1",
)

# Genant SQ grading is defined for typical vertebral bodies; C1 has no body, C2 carries the
# dens and S1 is sacral (Genant 1993 grades T4-L4 on radiographs; we extend to C3-L6).
UNGRADED_STRUCTURES = frozenset({"C1", "C2", "S1"})


def structure_position(name: str) -> int:
    """Index of ``name`` in cranio-caudal order.

    >>> structure_position("T13") < structure_position("L1")
    True
    """
    return STRUCTURE_ORDER.index(name)


def normalise_structure(name: str) -> str | None:
    """``"vertebrae_L1"``, ``"l1"`` -> ``"L1"``; ``None`` when not a vertebra.

    >>> normalise_structure("vertebrae_T13"), normalise_structure("spleen")
    ('T13', None)
    """
    text = name.strip().upper().removeprefix("VERTEBRAE_")
    return text if text in STRUCTURE_ORDER else None
