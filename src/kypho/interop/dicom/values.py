"""Read header values of a DICOM file safely: every failure names the file and the tag.

pydicom converts each element when it is first read, so a damaged element (an unknown
VR, a number that is not one, bytes of the wrong length) fails wherever it is touched.
``read_all`` converts every top-level element once, right after the file is read, so
that such damage is one ``InvalidInput`` naming the tag; the getters then check the
values kypho uses: how many numbers, finite, in range.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from kypho.errors import InvalidInput


def tag_name(tag: Any) -> str:
    """``ImagePositionPatient (0020,0032)``, or ``(0009,1001)`` for a private tag."""
    keyword = pydicom.datadict.keyword_for_tag(tag)
    text = f"({tag.group:04X},{tag.element:04X})"
    return f"{keyword} {text}" if keyword else text


def read_all(ds: Dataset, path: Path) -> Dataset:
    """``ds`` with every top-level element converted, or refuse naming the first bad one."""
    for tag in list(ds.keys()):
        try:
            with warnings.catch_warnings():  # pydicom's on odd values: kypho checks them
                warnings.simplefilter("ignore")
                ds[tag]  # converts the raw element in place
        except MemoryError:
            raise
        except Exception as err:  # noqa: BLE001 - pydicom raises many kinds; all mean damage
            raise InvalidInput(
                f"{path}: {tag_name(tag)}: expected a readable value, found damaged data "
                f"({type(err).__name__})"
            ) from None
    return ds


def _shown(value: Any) -> str:
    text = repr(list(value) if isinstance(value, MultiValue) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_float(item: Any) -> float | None:
    try:
        number = float(item)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def numbers(ds: Dataset, path: Path, keyword: str, tag: str, count: int) -> list[float]:
    """Exactly ``count`` finite numbers in ``keyword`` (which must be present)."""
    value = ds.get(keyword)
    if value is None or value == "":
        raise InvalidInput(f"{path}: {keyword} {tag}: expected a value, found none")
    items = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    found = [_as_float(item) for item in items]
    if len(found) != count or any(x is None for x in found):
        raise InvalidInput(
            f"{path}: {keyword} {tag}: expected {count} finite number(s), found {_shown(value)}"
        )
    return [x for x in found if x is not None]


def number(ds: Dataset, path: Path, keyword: str, tag: str, default: float) -> float:
    """One finite number in ``keyword``, or ``default`` when it is absent or empty."""
    value = ds.get(keyword)
    if value is None or value == "":
        return default
    return numbers(ds, path, keyword, tag, 1)[0]


def whole(ds: Dataset, path: Path, keyword: str, tag: str, *, low: int, high: int) -> int:
    """One whole number from ``low`` to ``high`` in ``keyword`` (which must be present)."""
    value = ds.get(keyword)
    if value is None or value == "":
        raise InvalidInput(f"{path}: {keyword} {tag}: expected a value, found none")
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            f"{path}: {keyword} {tag}: expected a whole number from {low} to {high}, "
            f"found {_shown(value)}"
        )
    return value
