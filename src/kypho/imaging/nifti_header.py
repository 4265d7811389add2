"""The NIfTI-1/NIfTI-2 header, unpacked and checked by kypho from the standard.

Every field the reader relies on is checked here, before any voxel is read, and every
problem is named in kypho's words (field, expected, found); all problems are counted,
the first few shown. Nothing here opens a file: ``parse_header`` takes the header bytes.

References
----------
.. [1] NIfTI-1 standard, ``nifti1.h`` (NIfTI DFWG, 2004): sizeof_hdr 348, dim[0] 1..7
   (else the other byte order), dim[i] >= 1, bitpix matching datatype, vox_offset >= 352
   for a single file, scl_slope 0 meaning unscaled, qform/sform codes 0..4, magic "n+1".
.. [2] NIfTI-2 standard, ``nifti2.h`` (2011): sizeof_hdr 540, 64-bit dims and floats,
   vox_offset >= 544, magic "n+2\\0\\r\\n\\032\\n", xform code 5 (template).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any, Literal

from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.problems import refuse

# datatype code -> (numpy dtype name, bitpix): the label types kypho reads [1].
LABEL_DATATYPES: dict[int, tuple[str, int]] = {
    2: ("uint8", 8),
    4: ("int16", 16),
    8: ("int32", 32),
    16: ("float32", 32),
    64: ("float64", 64),
    256: ("int8", 8),
    512: ("uint16", 16),
    768: ("uint32", 32),
    1024: ("int64", 64),
    1280: ("uint64", 64),
}
# Other types of the standard, refused by name (not label data).
OTHER_DATATYPES = {
    0: "unknown",
    1: "binary (1 bit)",
    32: "complex64",
    128: "RGB24",
    1536: "float128",
    1792: "complex128",
    2048: "complex256",
    2304: "RGBA32",
}
QUATERN_TOLERANCE = 1e-6  # float32 rounding of a unit quaternion (project convention)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Layout:
    """Where the fields lie in one header version [1, 2]."""

    size: int
    magic: tuple[int, bytes]
    dim: tuple[int, str]
    datatype: tuple[int, str]
    pixdim: tuple[int, str]
    vox_offset: tuple[int, str]
    scl: tuple[int, str]
    codes: tuple[int, str]
    quatern: tuple[int, str]
    srow: tuple[int, str]
    max_code: int


NIFTI1 = _Layout(
    size=348,
    magic=(344, b"n+1\x00"),
    dim=(40, "8h"),
    datatype=(70, "2h"),
    pixdim=(76, "8f"),
    vox_offset=(108, "f"),
    scl=(112, "2f"),
    codes=(252, "2h"),
    quatern=(256, "6f"),
    srow=(280, "12f"),
    max_code=4,
)
NIFTI2 = _Layout(
    size=540,
    magic=(4, b"n+2\x00\r\n\x1a\n"),
    dim=(16, "8q"),
    datatype=(12, "2h"),
    pixdim=(104, "8d"),
    vox_offset=(168, "q"),
    scl=(176, "2d"),
    codes=(344, "2i"),
    quatern=(352, "6d"),
    srow=(400, "12d"),
    max_code=5,
)
LAYOUTS = {348: NIFTI1, 540: NIFTI2}


@dataclass(frozen=True, slots=True, kw_only=True)
class NiftiHeader:
    """The checked fields of one header; ``shape`` has trailing 1s past the third dropped."""

    version: int  # 1 or 2
    byteorder: Literal["<", ">"]
    shape: tuple[int, ...]
    dtype: str  # numpy name, native width, e.g. "int16"
    pixdim: tuple[float, ...]  # pixdim[0..7] as stored
    vox_offset: int
    scl_slope: float
    scl_inter: float
    qform_code: int
    sform_code: int
    quatern: tuple[float, ...]  # b, c, d, qoffset x, y, z
    srow: tuple[float, ...]  # srow_x, srow_y, srow_z (12)

    @property
    def header_bytes(self) -> int:
        return LAYOUTS[348 if self.version == 1 else 540].size

    @property
    def voxels(self) -> int:
        return math.prod(self.shape)

    @property
    def data_bytes(self) -> int:
        return self.voxels * LABEL_DATATYPES_BY_NAME[self.dtype]

    @property
    def scaled(self) -> bool:
        """Whether voxel values are scaled: scl_slope neither 0 nor NaN [1], nor 1 with 0."""
        if self.scl_slope == 0 or math.isnan(self.scl_slope):
            return False
        return (self.scl_slope, self.scl_inter) != (1.0, 0.0)


LABEL_DATATYPES_BY_NAME = {name: bits // 8 for name, bits in LABEL_DATATYPES.values()}


def header_layout(where: object, first: bytes) -> tuple[_Layout, Literal["<", ">"]]:
    """The version and byte order from sizeof_hdr (the first 4 bytes)."""
    if len(first) == 4:
        orders: tuple[Literal["<", ">"], ...] = ("<", ">")
        for order in orders:
            size = struct.unpack(f"{order}i", first)[0]
            if size in LAYOUTS:
                return LAYOUTS[size], order
    raise InvalidInput(
        f"{where}: expected a NIfTI image (.nii, .nii.gz) starting with sizeof_hdr 348 or 540, "
        f"found first bytes {first[:4]!r}"
    )


def _fields(block: bytes, order: str, field: tuple[int, str]) -> tuple[Any, ...]:
    offset, fmt = field
    return struct.unpack_from(order + fmt, block, offset)


def _check_dims(dim: tuple[int, ...], problems: list[str]) -> tuple[int, ...]:
    ndim = dim[0]
    if not 1 <= ndim <= 7:
        problems.append(f"dim[0]: expected 1 to 7 dimensions, found {ndim}")
        return ()
    shape = tuple(int(n) for n in dim[1 : ndim + 1])
    bad = [f"dim[{i + 1}] = {n}" for i, n in enumerate(shape) if n < 1]
    if bad:
        problems.append(f"dim: expected sizes >= 1, found {', '.join(bad)}")
        return ()
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) != 3:
        problems.append(f"dim: expected a 3-D label volume, found {len(shape)}-D shape {shape}")
        return ()
    return shape


def _check_datatype(datatype: int, bitpix: int, problems: list[str]) -> str:
    if datatype in LABEL_DATATYPES:
        name, bits = LABEL_DATATYPES[datatype]
        if bitpix != bits:
            problems.append(
                f"bitpix: expected {bits} for datatype {datatype} ({name}), found {bitpix}"
            )
        return name
    what = OTHER_DATATYPES.get(datatype, "not a NIfTI data type")
    problems.append(
        f"datatype: expected integer or whole-number float labels, found {datatype} ({what})"
    )
    return ""


def _check_offset(vox_offset: float, layout: _Layout, problems: list[str]) -> int:
    low = layout.size + 4
    if not math.isfinite(vox_offset) or vox_offset != int(vox_offset) or vox_offset < low:
        problems.append(
            f"vox_offset: expected a whole number of bytes >= {low}, found {vox_offset}"
        )
        return low
    return int(vox_offset)


def _check_scaling(slope: float, inter: float, problems: list[str]) -> None:
    if slope == 0 or math.isnan(slope):
        return  # unscaled [1]; nibabel writes NaN for "no scaling"
    for name, value in (("scl_slope", slope), ("scl_inter", inter)):
        if not math.isfinite(value) or value != int(value) or abs(value) > 65535:
            problems.append(
                f"{name}: expected a whole number within +-65535 (labels are whole numbers), "
                f"found {value}"
            )


def _check_codes(qcode: int, scode: int, layout: _Layout, problems: list[str]) -> None:
    for name, code in (("qform_code", qcode), ("sform_code", scode)):
        if not 0 <= code <= layout.max_code:
            problems.append(f"{name}: expected 0 to {layout.max_code}, found {code}")


def _check_geometry(header: NiftiHeader, problems: list[str]) -> None:
    spacing = header.pixdim[1:4]
    if not all(math.isfinite(z) and z > 0 for z in spacing):
        problems.append(f"pixdim[1:4]: expected voxel spacing > 0 mm, found {list(spacing)}")
    if header.sform_code > 0:
        if not all(math.isfinite(z) for z in header.srow):
            problems.append(f"srow_x/y/z: expected finite numbers, found {list(header.srow)}")
        return
    if header.qform_code > 0:
        b, c, d = header.quatern[:3]
        if not all(math.isfinite(z) for z in header.quatern):
            problems.append(
                f"quatern/qoffset: expected finite numbers, found {list(header.quatern)}"
            )
        elif b * b + c * c + d * d > 1 + QUATERN_TOLERANCE:
            problems.append(f"quatern_b/c/d: expected b^2 + c^2 + d^2 <= 1, found {b}, {c}, {d}")
        if header.pixdim[0] not in (-1.0, 0.0, 1.0):
            problems.append(f"pixdim[0] (qfac): expected -1, 0 or 1, found {header.pixdim[0]}")


def parse_header(where: object, block: bytes) -> NiftiHeader:
    """Unpack and check a whole header block (348 or 540 bytes); refuse every problem."""
    layout, order = header_layout(where, block[:4])
    if len(block) < layout.size:
        raise InvalidInput(
            f"{where}: expected a NIfTI-{1 if layout.size == 348 else 2} header of "
            f"{layout.size} bytes, found {len(block)} bytes"
        )
    offset, magic = layout.magic
    found = block[offset : offset + len(magic)]
    if found != magic:
        raise InvalidInput(
            f"{where}: expected a single-file NIfTI image, found magic {found!r} "
            f"(a .hdr/.img pair or an Analyze file; expected {magic!r})"
        )
    problems: list[str] = []
    datatype, bitpix = _fields(block, order, layout.datatype)
    slope, inter = _fields(block, order, layout.scl)
    qcode, scode = _fields(block, order, layout.codes)
    header = NiftiHeader(
        version=1 if layout is NIFTI1 else 2,
        byteorder=order,
        shape=_check_dims(_fields(block, order, layout.dim), problems),
        dtype=_check_datatype(datatype, bitpix, problems),
        pixdim=tuple(float(z) for z in _fields(block, order, layout.pixdim)),
        vox_offset=_check_offset(_fields(block, order, layout.vox_offset)[0], layout, problems),
        scl_slope=float(slope),
        scl_inter=float(inter),
        qform_code=int(qcode),
        sform_code=int(scode),
        quatern=tuple(float(z) for z in _fields(block, order, layout.quatern)),
        srow=tuple(float(z) for z in _fields(block, order, layout.srow)),
    )
    _check_scaling(header.scl_slope, header.scl_inter, problems)
    _check_codes(header.qform_code, header.sform_code, layout, problems)
    _check_geometry(header, problems)
    refuse(where, problems)
    return header


def check_limits(
    where: object, header: NiftiHeader, *, max_voxels: int, max_file_bytes: int
) -> None:
    """Refuse a header whose voxels or decompressed bytes exceed the limits (sizes named)."""
    if header.voxels > max_voxels:
        raise ImageGeometryError(
            f"{where}: {header.voxels:,} voxels {header.shape}, above the limit of "
            f"{max_voxels:,}; raise max_image_voxels if this is intended"
        )
    declared = header.vox_offset + header.data_bytes
    if declared > max_file_bytes:
        raise ImageGeometryError(
            f"{where}: the file declares {declared:,} bytes (decompressed), above the limit of "
            f"{max_file_bytes:,} (vox_offset {header.vox_offset:,} + {header.voxels:,} voxels "
            f"of {header.dtype}); raise max_image_file_bytes if this is intended"
        )
