"""Label layouts of vertebra segmentations, and which label means which vertebra.

Levels are mapped by name, never by bare number: the same integer means L4 in
TotalSegmentator's ``total`` task and T13 in VerSe.

References
----------
.. [1] TotalSegmentator ``total`` task v2 class map (wasserth/TotalSegmentator,
   ``totalsegmentator/map_to_binary.py``): S1 26, L5..L1 27..31, T12..T1 32..43,
   C7..C1 44..50.
.. [2] VerSe challenge labels (Sekuboyina et al., Med Image Anal 2021): C1..C7 1..7,
   T1..T12 8..19, L1..L6 20..25, T13 28.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from kypho.errors import InvalidInput
from kypho.morphometry.structures import normalise_structure


class Layout(StrEnum):
    TOTAL = "total"  # TotalSegmentator multilabel, `total` task ids or header names
    TOTAL_FILES = "total-files"  # a folder with one vertebrae_<LEVEL>.nii.gz per structure
    VERSE = "verse"


TOTAL_IDS: dict[int, str] = {
    26: "S1",
    **{27 + i: f"L{5 - i}" for i in range(5)},
    **{32 + i: f"T{12 - i}" for i in range(12)},
    **{44 + i: f"C{7 - i}" for i in range(7)},
}
VERSE_IDS: dict[int, str] = {
    **{i: f"C{i}" for i in range(1, 8)},
    **{7 + i: f"T{i}" for i in range(1, 13)},
    **{19 + i: f"L{i}" for i in range(1, 7)},
    28: "T13",
}
VERSE_MAX_LABEL = 28


def names_from_header(header_names: dict[int, str]) -> dict[int, str]:
    """label -> structure for the vertebrae named in a header extension."""
    found = {k: normalise_structure(v) for k, v in header_names.items()}
    return {k: v for k, v in found.items() if v is not None}


def detect_layout(path: Path, *, max_label: int, header_names: dict[int, str]) -> Layout:
    """Guess the layout: a folder, header names, else the largest label value (0: empty)."""
    if path.is_dir():
        return Layout.TOTAL_FILES
    return layout_from_labels(path, max_label=max_label, header_names=header_names)


def layout_from_labels(where: object, *, max_label: int, header_names: dict[int, str]) -> Layout:
    """The layout of one label volume (``where`` names it): header names, else its labels."""
    if names_from_header(header_names):
        return Layout.TOTAL
    if set(header_names.values()) >= {"vertebrae_body"}:
        raise InvalidInput(
            f"{where}: this is a TotalSegmentator vertebrae_body mask (bodies without levels); "
            "pass the per-level labels as INPUT and this file with --body"
        )
    if max_label <= 0:
        raise InvalidInput(f"{where}: expected vertebra labels, found an empty mask (all 0)")
    return Layout.VERSE if max_label <= VERSE_MAX_LABEL else Layout.TOTAL


def label_names(layout: Layout, header_names: dict[int, str]) -> dict[int, str]:
    """label -> structure for ``layout``; names in the header win over numbers."""
    named = names_from_header(header_names)
    if named:
        return named
    if layout is Layout.VERSE:
        return dict(VERSE_IDS)
    return dict(TOTAL_IDS)


def parse_layout(value: str | None) -> Layout | None:
    """``None``/``"auto"`` -> detect; else one of the ``Layout`` values."""
    if value is None or value.strip().lower() == "auto":
        return None
    try:
        return Layout(value.strip().lower())
    except ValueError:
        known = ", ".join(["auto", *(x.value for x in Layout)])
        raise InvalidInput(f"--layout: expected one of {known}; got {value!r}") from None
