"""Load a NIfTI label volume with every check done before the data is decompressed.

The only module that opens NIfTI files. The header is read and checked first
(``nifti_header``: sizes, types, offsets and limits, in bytes and voxels); only then is
voxel data read, into one buffer of the declared size, in chunks, counting the bytes
decompressed and stopping there, so a gzip bomb or a header that lies costs no more
memory than the limits allow. Errors name the file, what was expected and what was
found; they are ``InvalidInput``/``ImageGeometryError``, so the CLI exits 2.
"""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
from isal import isal_zlib  # ISA-L's inflate: 2.4x zlib's (bench/bench_screen.py)
from numpy.typing import NDArray

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.nifti_affine import header_affine
from kypho.imaging.nifti_header import NiftiHeader, check_limits, header_layout, parse_header
from kypho.imaging.volume import checked_affine, label_top, smallest_label_type
from kypho.morphometry.voxels import VolumeGeometry

DEFAULT_MAX_VOXELS = 512 * 512 * 2048  # as kypho.config.Settings.max_image_voxels
DEFAULT_MAX_FILE_BYTES = 2_000_000_000  # as kypho.config.Settings.max_image_file_bytes
MAX_EXTENSION_BYTES = 16 * 2**20  # header extensions read at most (project convention)
READ_CHUNK_BYTES = 16 * 2**20  # bytes decompressed per read: bounds the temporaries
INPUT_CHUNK_BYTES = 2**20  # compressed bytes read from the file at a time
# Bytes inflated per call: 4 MiB stay in cache for the copy into the labels (16 MiB cost
# about 4 ms more a full-spine mask; 1 MiB, more calls). PROJECT MEASUREMENT.
INFLATE_CHUNK_BYTES = 4 * 2**20
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # the inflater decodes a gzip header and trailer itself
# isal's error is a class of its own (its stub calls it an instance)
_DAMAGED: tuple[type[Exception], ...] = (zlib.error, cast(type[Exception], isal_zlib.error))
_READ_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, *_DAMAGED)
_GZIP_MAGIC = b"\x1f\x8b"
_CARET_LABEL = re.compile(r'<Label Key="(\d+)"[^>]*>\s*<!\[CDATA\[([^\]]*)\]\]>')


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelImage:
    """An integer label volume, its geometry and any label names from the header."""

    path: Path
    labels: NDArray[np.integer]
    geometry: VolumeGeometry
    header_names: dict[int, str]


class _Gunzip:
    """A gzip stream (one member or several) inflated straight into the caller's buffers.

    ISA-L's gzip decoder (``isal_zlib``, zlib's interface; header, CRC-32 and length
    checked in C) with the output of each call bounded by the buffer, so the bytes are
    counted as they are inflated and never more than asked for: 6x faster than
    ``gzip.GzipFile`` (250 ms CPU a full-spine mask), which copies every chunk and
    computes the CRC in a second pass; plain zlib this way took 91 ms, ISA-L 38.
    Zero padding after a member is skipped, as ``gzip`` does; a file that ends inside a
    member is ``EOFError``; a damaged stream is one of ``_DAMAGED``.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.inflate = isal_zlib.decompressobj(_GZIP_WBITS)
        self.pending = b""  # compressed bytes read and not yet given to zlib

    def _input(self) -> bytes:
        data = self.inflate.unconsumed_tail or self.pending or self.raw.read(INPUT_CHUNK_BYTES)
        self.pending = b""
        return bytes(data)

    def _next_member(self) -> bool:
        """Start the next member after the current one's end; ``False`` at the file's end."""
        rest = self.inflate.unused_data.lstrip(b"\0")
        while not rest:
            more = self.raw.read(INPUT_CHUNK_BYTES)
            if not more:
                return False
            rest = more.lstrip(b"\0")
        self.inflate, self.pending = isal_zlib.decompressobj(_GZIP_WBITS), rest
        return True

    def readinto(self, buffer: memoryview) -> int:
        while True:
            if self.inflate.eof and not self._next_member():
                return 0
            data = self._input()
            out = self.inflate.decompress(data, min(len(buffer), INFLATE_CHUNK_BYTES))
            if out:
                buffer[: len(out)] = out
                return len(out)
            if not data and not self.inflate.eof:
                raise EOFError("the file ends inside a gzip member")

    def read(self, size: int) -> bytes:
        buffer = bytearray(size)
        done = 0
        while done < size and (step := self.readinto(memoryview(buffer)[done:])):
            done += step
        return bytes(buffer[:done])

    def finish(self) -> None:
        """Inflate to the end of the member (at most one byte past what was read), so
        zlib checks its CRC-32 and length; more data after the voxels is left unread."""
        while not self.inflate.eof:
            data = self._input()
            if self.inflate.decompress(data, 1):
                return
            if not data and not self.inflate.eof:
                raise EOFError("the file ends inside a gzip member")


class _Counted:
    """Reads a (possibly gzip) stream in chunks, counting the bytes it has produced."""

    def __init__(self, path: Path, stream: Any) -> None:
        self.path = path
        self.stream = stream
        self.count = 0

    def into(self, buffer: memoryview, what: str, *, total: int = 0, before: int = 0) -> None:
        """Fill ``buffer`` exactly, or refuse naming how many bytes were there.

        ``total`` and ``before``: the size of the whole of ``what`` and how much of it was
        read before this buffer (for the message, when ``what`` is read in parts).
        """
        done, size = 0, len(buffer)
        while done < size:
            step = self.stream.readinto(buffer[done : min(size, done + READ_CHUNK_BYTES)])
            if not step:
                raise InvalidInput(
                    f"{self.path}: expected {max(total, size):,} bytes of {what}, found "
                    f"{before + done:,} (the file is truncated)"
                )
            done += step
            self.count += step

    def read(self, size: int, what: str) -> bytes:
        buffer = bytearray(size)
        self.into(memoryview(buffer), what)
        return bytes(buffer)

    def skip(self, size: int, what: str) -> None:
        scratch = memoryview(bytearray(min(size, READ_CHUNK_BYTES)))
        while size > 0:
            step = min(size, len(scratch))
            self.into(scratch[:step], what)
            size -= step


def header_label_names(extensions: list[tuple[int, bytes]]) -> dict[int, str]:
    """Label names from a Caret/GIfTI-style XML header extension (TotalSegmentator)."""
    names: dict[int, str] = {}
    for _, content in extensions:
        text = content.decode("utf-8", "replace")
        names.update({int(k): v.strip() for k, v in _CARET_LABEL.findall(text)})
    return names


def _extensions(path: Path, region: bytes, order: str) -> list[tuple[int, bytes]]:
    """(ecode, content) of each extension in the bytes after the extender [nifti1.h]."""
    found: list[tuple[int, bytes]] = []
    pos = 0
    while pos + 8 <= len(region):
        esize, ecode = struct.unpack_from(f"{order}2i", region, pos)
        if esize == 0:
            break  # padding up to vox_offset
        if esize < 16 or esize % 16 or pos + esize > len(region):
            raise InvalidInput(
                f"{path}: header extension {len(found) + 1}: expected esize a multiple of 16 "
                f"within vox_offset ({len(region) - pos:,} bytes left), found {esize:,}"
            )
        found.append((int(ecode), region[pos + 8 : pos + esize]))
        pos += esize
    return found


def _header(path: Path, reader: _Counted) -> NiftiHeader:
    first = reader.stream.read(4)
    reader.count += len(first)
    layout, _ = header_layout(path, first)
    try:
        rest = reader.read(layout.size - 4, f"NIfTI header (sizeof_hdr {layout.size})")
    except InvalidInput:
        raise InvalidInput(
            f"{path}: expected a NIfTI header of {layout.size} bytes, found a shorter file"
        ) from None
    return parse_header(path, first + rest)


def _region(path: Path, reader: _Counted, header: NiftiHeader) -> list[tuple[int, bytes]]:
    """Read the extender and extensions, or skip the bytes up to vox_offset."""
    region = header.vox_offset - header.header_bytes
    extender = reader.read(4, "header extender")
    if extender[0] == 0:
        reader.skip(region - 4, "bytes before vox_offset")
        return []
    if region - 4 > MAX_EXTENSION_BYTES:
        raise InvalidInput(
            f"{path}: header extensions: expected at most {MAX_EXTENSION_BYTES:,} bytes, found "
            f"{region - 4:,} (vox_offset {header.vox_offset:,})"
        )
    return _extensions(path, reader.read(region - 4, "header extensions"), header.byteorder)


def _voxels(path: Path, reader: _Counted, header: NiftiHeader) -> NDArray[np.integer]:
    """The labels, read and checked 16 MiB at a time into the narrowest type that holds them.

    Memory: the output (one byte a voxel while labels are < 256) and one chunk, whatever
    the stored type; the output is widened only when a label needs it.
    """
    dtype = np.dtype(header.dtype).newbyteorder(header.byteorder)
    what = f"voxel data ({header.voxels:,} x {header.dtype})"
    if dtype == np.uint8:  # every byte is a valid label: read in place, nothing to check
        labels: NDArray[np.integer] = np.empty(header.voxels, dtype=np.uint8)
        reader.into(labels.data, what, total=header.data_bytes)
        return labels
    per_chunk = max(1, READ_CHUNK_BYTES // dtype.itemsize)
    scratch = bytearray(per_chunk * dtype.itemsize)
    out: NDArray[np.integer] = np.empty(header.voxels, dtype=np.uint8)  # touched as filled
    for start in range(0, header.voxels, per_chunk):
        count = min(per_chunk, header.voxels - start)
        view = memoryview(scratch)[: count * dtype.itemsize]
        reader.into(view, what, total=header.data_bytes, before=start * dtype.itemsize)
        part = np.frombuffer(view, dtype=dtype)
        top = label_top(path, part)
        if top > np.iinfo(out.dtype).max:
            out = out.astype(smallest_label_type(top))
        out[start : start + count] = part
    return out


def _scaled(path: Path, flat: NDArray[np.integer], header: NiftiHeader) -> Any:
    """Whole-number labels, with scl_slope/scl_inter (whole numbers) applied when set."""
    labels = flat
    if not header.scaled:
        return labels
    slope, inter = int(header.scl_slope), int(header.scl_inter)
    ends = [int(labels.min()) * slope + inter, int(labels.max()) * slope + inter]
    if min(ends) < 0:
        raise InvalidInput(
            f"{path}: expected label values >= 0 after scl_slope {slope} and scl_inter "
            f"{inter}, found {min(ends)}"
        )
    out = np.empty(labels.shape, dtype=smallest_label_type(max(ends)))
    step = READ_CHUNK_BYTES // 8  # int64 values per step: 16 MiB of temporaries
    for start in range(0, labels.size, step):
        part = labels[start : start + step].astype(np.int64)
        out[start : start + step] = part * slope + inter
    return out


def _read(
    path: Path, stream: Any, file_bytes: int | None, limits: dict[str, int]
) -> tuple[NiftiHeader, NDArray[np.float64], list[tuple[int, bytes]], Any]:
    reader = _Counted(path, stream)
    header = _header(path, reader)
    check_limits(path, header, **limits)
    needed = header.vox_offset + header.data_bytes
    if file_bytes is not None and file_bytes < needed:
        raise InvalidInput(
            f"{path}: expected {needed:,} bytes (vox_offset {header.vox_offset:,} + voxel data "
            f"{header.data_bytes:,}), found {file_bytes:,} (the file is truncated)"
        )
    affine = checked_affine(path, header_affine(header), stored_spacing_mm=header.pixdim[1:4])
    extensions = _region(path, reader, header)
    flat = _scaled(path, _voxels(path, reader, header), header)
    return header, affine, extensions, flat


def _refused_stream(path: Path, err: Exception) -> InvalidInput:
    if isinstance(err, EOFError):
        found = "a gzip stream that ends early (truncated)"
    elif isinstance(err, (*_DAMAGED, gzip.BadGzipFile)):
        found = "a damaged gzip stream"
    else:
        found = f"a file that cannot be read ({getattr(err, 'strerror', None) or 'read error'})"
    return InvalidInput(f"{path}: expected a readable NIfTI image (.nii, .nii.gz), found {found}")


def load_labels(
    path: Path,
    *,
    max_voxels: int = DEFAULT_MAX_VOXELS,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> LabelImage:
    """Read a 3-D integer label volume, checking size and geometry before decompressing.

    Parameters
    ----------
    path
        A ``.nii`` or ``.nii.gz`` file (gzip is recognised by its content, not its name).
    max_voxels
        Refuse a header declaring more voxels than this (checked before reading data).
    max_file_bytes
        Refuse a file larger than this, or one whose header declares more data than this
        once decompressed (checked before reading data; decompression stops there).
    """
    if not path.is_file():
        raise InvalidInput(f"{path}: expected a NIfTI file (.nii, .nii.gz), found no such file")
    size = path.stat().st_size
    if size > max_file_bytes:
        raise ImageGeometryError(
            f"{path}: the file is {size:,} bytes, above the limit of {max_file_bytes:,}; "
            "raise max_image_file_bytes if this is intended"
        )
    limits = {"max_voxels": max_voxels, "max_file_bytes": max_file_bytes}
    try:
        with path.open("rb") as raw:
            zipped = raw.read(2) == _GZIP_MAGIC
            raw.seek(0)
            stream = _Gunzip(raw) if zipped else raw
            header, affine, extensions, flat = _read(path, stream, None if zipped else size, limits)
            if isinstance(stream, _Gunzip):
                stream.finish()
    except _READ_ERRORS as err:
        raise _refused_stream(path, err) from err
    i, j, k = header.shape  # 3-D: parse_header refuses any other shape
    return LabelImage(
        path=path,
        labels=flat.reshape((i, j, k), order="F"),
        geometry=VolumeGeometry(affine=affine, shape=(i, j, k)),
        header_names=header_label_names(extensions),
    )
