"""Decode CT slices into one HU volume, exactly: int16 when every value fits, else float32.

Compressed pixel data (JPEG 2000 lossless, JPEG-LS...) decodes with the PyPI decoders
pydicom finds (JPEG 2000 by Pillow, JPEG-LS by pyjpegls; both come with highdicom).
HU = stored value x Rescale Slope (0028,1053) + Rescale Intercept (0028,1052); nothing
is clipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset

from kypho.errors import InvalidInput
from kypho.interop.dicom.values import number


def _decoded(path: Path, ds: Dataset, rows: int, cols: int) -> NDArray[Any]:
    try:
        stored: NDArray[Any] = ds.pixel_array
    except Exception as err:  # noqa: BLE001 - any decoder failure names the file
        syntax = ds.file_meta.get("TransferSyntaxUID", "?")
        raise InvalidInput(
            f"{path}: PixelData (7FE0,0010): could not decode (Transfer Syntax {syntax}): {err}"
        ) from None
    if stored.shape != (rows, cols):
        raise InvalidInput(
            f"{path}: PixelData (7FE0,0010): expected {rows} x {cols} pixels, "
            f"found shape {stored.shape}"
        )
    return stored


def _into_int16(
    stored: NDArray[Any], intercept: int, bits_stored: int, out: NDArray[np.int16]
) -> bool:
    """``out`` = stored + intercept when every value fits int16 exactly; else False.

    The range comes from Bits Stored (0028,0101) when it bounds the values (no pass over
    the pixels), else from the pixels themselves.
    """
    if stored.dtype.kind not in "iu" or stored.dtype.itemsize > 2 or not stored.size:
        return False
    if stored.dtype.kind == "u" and 0 < bits_stored <= 15:
        low, high = 0, 2**bits_stored - 1
    else:
        low, high = int(stored.min()), int(stored.max())
    if high > 32767 or low + intercept < -32768 or high + intercept > 32767:
        return False
    source = stored.view(np.int16) if stored.dtype == np.uint16 else stored
    np.add(source, np.int16(intercept), out=out, casting="unsafe")
    return True


def _bits(ds: Dataset) -> int:
    value = ds.get("BitsStored", 0)
    return int(value) if isinstance(value, int) else 0


def stack_hu(paths: list[Path], datasets: list[Dataset], rows: int, cols: int) -> NDArray[Any]:
    """HU with axes (column, row, slice): int16 when every value fits exactly, else float32.

    Each slice's pixel data is dropped from its dataset once decoded (the headers stay).
    """
    planes: NDArray[Any] = np.empty((len(paths), rows, cols), dtype=np.int16)
    for k, (path, ds) in enumerate(zip(paths, datasets, strict=True)):
        stored = _decoded(path, ds, rows, cols)
        slope = number(ds, path, "RescaleSlope", "(0028,1053)", 1.0)
        intercept = number(ds, path, "RescaleIntercept", "(0028,1052)", 0.0)
        if slope == 0:
            raise InvalidInput(
                f"{path}: RescaleSlope (0028,1053): expected a number other than 0 "
                "(HU = stored value x slope + intercept), found 0"
            )
        exact = slope == 1 and intercept == int(intercept) and planes.dtype == np.int16
        if not (exact and _into_int16(stored, int(intercept), _bits(ds), planes[k])):
            if planes.dtype == np.int16:
                planes = planes.astype(np.float32)
            planes[k] = stored.astype(np.float32) * slope + intercept
        del ds.PixelData
    return planes.transpose(2, 1, 0)
