"""NIfTI label volumes: headers, data types, extensions and containers, judged by the standard.

The generator writes headers itself (``struct``, from ``nifti1.h``/``nifti2.h``), then
damages fields, data and containers: raw, gzip, truncated and multi-member gzip, gzip
bombs, NIfTI-2, big-endian, a 52-byte header claiming 1100^3 int32.

The oracle reads the bytes itself, independent of kypho: the standard's rules
(sizeof_hdr 348/540, magic, dim[0] 1..7 with the byte order it implies, dim[i] >= 1,
datatype/bitpix pairs, vox_offset >= header + 4, the data present after vox_offset,
xform codes, finite quaternions and srow), then the documented limits and label rules
of docs/morphometry.md (3-D, integer or whole-number labels >= 0, voxel and byte limits,
spacing > 0, a vertebra label of the detected layout present).
"""

from __future__ import annotations

import gzip
import math
import random
import struct
import zlib

import numpy as np

from fuzz.target import FuzzTarget

MAX_VOXELS = 512 * 512 * 2048  # Settings.max_image_voxels default
MAX_FILE_BYTES = 2_000_000_000  # Settings.max_image_file_bytes default
MAX_EXTENSION_BYTES = 16 * 2**20  # docs/morphometry.md "Input limits"
# datatype -> (numpy name, bitpix) of the standard; label types kypho reads are LABELS.
DATATYPES = {
    2: ("u1", 8), 4: ("i2", 16), 8: ("i4", 32), 16: ("f4", 32), 64: ("f8", 64),
    256: ("i1", 8), 512: ("u2", 16), 768: ("u4", 32), 1024: ("i8", 64), 1280: ("u8", 64),
    32: ("c8", 64), 128: ("V3", 24), 1792: ("c16", 128), 2304: ("V4", 32), 1536: ("f16", 128),
}  # fmt: skip
LABELS = (2, 4, 8, 16, 64, 256, 512, 768, 1024, 1280)
VERSE = set(range(1, 26)) | {28}  # kypho.imaging.layouts [2]: C1..L6, T13
TOTAL = set(range(26, 51))  # TotalSegmentator total task: S1..C1
# Field (offset, struct format) in NIfTI-1 and NIfTI-2 headers.
FIELDS = {
    1: {"size": 348, "dim": (40, "8h"), "datatype": (70, "h"), "bitpix": (72, "h"),
        "pixdim": (76, "8f"), "vox_offset": (108, "f"), "scl": (112, "2f"),
        "codes": (252, "2h"), "quatern": (256, "6f"), "srow": (280, "12f"),
        "magic": (344, b"n+1\x00"), "max_code": 4},
    2: {"size": 540, "dim": (16, "8q"), "datatype": (12, "h"), "bitpix": (14, "h"),
        "pixdim": (104, "8d"), "vox_offset": (168, "q"), "scl": (176, "2d"),
        "codes": (344, "2i"), "quatern": (352, "6d"), "srow": (400, "12d"),
        "magic": (4, b"n+2\x00\r\n\x1a\n"), "max_code": 5},
}  # fmt: skip


class Refused(ValueError):
    """The oracle's reason the input must be refused."""


# --- writing -------------------------------------------------------------------------


def header(
    version: int, shape: tuple[int, ...], datatype: int, *, order: str = "<", **values: object
) -> bytearray:
    """A header block with the given fields (anything not given: a valid default)."""
    f = FIELDS[version]
    block = bytearray(int(f["size"]))  # type: ignore[call-overload]
    fields: dict[str, object] = {
        "dim": [len(shape), *shape, *[1] * (7 - len(shape))],
        "datatype": [datatype],
        "bitpix": [DATATYPES.get(datatype, ("", 8))[1]],
        "pixdim": [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        "vox_offset": [int(f["size"]) + 4],  # type: ignore[call-overload]
        "scl": [0.0, 0.0],
        "codes": [0, 1],
        "quatern": [0.0] * 6,
        "srow": [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0],
    }
    fields.update(values)
    struct.pack_into(f"{order}i", block, 0, f["size"])
    for name, value in fields.items():
        offset, fmt = f[name]  # type: ignore[misc]
        struct.pack_into(order + fmt, block, offset, *value)  # type: ignore[arg-type]
    offset, magic = f["magic"]  # type: ignore[misc]
    block[offset : offset + len(magic)] = magic
    return block


def _volume(rng: random.Random, shape: tuple[int, ...], name: str) -> np.ndarray:
    kind = rng.choice(["box", "box", "box", "one", "empty", "many", "negative", "fraction"])
    data = np.zeros(shape, dtype=np.float64)
    if kind in ("box", "negative", "fraction"):
        lo = [rng.randrange(0, max(1, n // 2)) for n in shape]
        hi = [rng.randrange(lo_i + 1, n + 1) for lo_i, n in zip(lo, shape, strict=True)]
        data[tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))] = rng.choice(
            [*VERSE, *TOTAL, 60, 300]
        )
    elif kind == "one":
        data[tuple(rng.randrange(n) for n in shape)] = rng.choice(sorted(VERSE))
    elif kind == "many":
        data.flat[:] = np.arange(data.size) % 20_001
    if kind == "negative":
        data.flat[0] = -1
    if kind == "fraction":
        data.flat[-1] = 0.5
    if np.dtype(name).kind in "ui":
        info = np.iinfo(np.dtype(name))
        data = np.clip(np.rint(data), info.min, info.max)
    return data.astype(name)


def _valid_file(rng: random.Random) -> tuple[bytearray, bytes, int]:
    version = 2 if rng.random() < 0.15 else 1
    shape = tuple(rng.randint(2, 12) for _ in range(3))
    if rng.random() < 0.03:
        shape = (28, 28, 28)
    if rng.random() < 0.1:
        shape = (*shape, 1)
    datatype = rng.choice(LABELS)
    order = ">" if rng.random() < 0.1 else "<"
    spacing = [rng.choice([0.8, 1.0, 1.5, 3.0]) for _ in range(3)]
    codes = rng.choice([(0, 1), (1, 0), (0, 0), (2, 2)])
    block = header(
        version,
        shape,
        datatype,
        order=order,
        pixdim=[1.0, *spacing, 1.0, 0, 0, 0],
        codes=codes,
        srow=[spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0],
    )
    name = DATATYPES[datatype][0]
    data = _volume(rng, shape, name).astype(np.dtype(name).newbyteorder(order))
    return block, data.tobytes(order="F"), version


def _set(block: bytearray, version: int, name: str, index: int, value: object) -> None:
    offset, fmt = FIELDS[version][name]  # type: ignore[misc]
    order = "<" if struct.unpack_from("<i", block, 0)[0] in (348, 540) else ">"
    step = struct.calcsize(fmt[-1])
    struct.pack_into(order + fmt[-1], block, offset + index * step, value)


def _damage_header(rng: random.Random, block: bytearray, version: int) -> None:
    nan, inf = float("nan"), float("inf")
    field, index, value = rng.choice(
        [
            ("dim", 0, rng.choice([-1, 0, 2, 4, 8, 100])),
            ("dim", rng.randint(1, 3), rng.choice([0, -1, 1100, 30000])),
            ("datatype", 0, rng.choice([0, 1, 32, 128, 1536, 1792, 2304, 3, 9999, *LABELS])),
            ("bitpix", 0, rng.choice([0, 1, 7, 8, 16, 24, 32, 64, 128])),
            ("pixdim", rng.randint(0, 3), rng.choice([0.0, -1.0, nan, inf, 1e-30, 2.0, 0.5])),
            ("vox_offset", 0, rng.choice([0, 348, 351, 1e30, 1_000_000, 10**9])),
            ("scl", rng.randint(0, 1), rng.choice([nan, inf, 0.0, 1.0, 2.0, 0.5, -1.0, 1e9])),
            ("codes", rng.randint(0, 1), rng.choice([-1, 0, 1, 4, 5, 6, 100])),
            ("quatern", rng.randint(0, 5), rng.choice([nan, inf, 0.5, 1.5, -0.9])),
            ("srow", rng.randint(0, 11), rng.choice([nan, inf, 0.0, 2.0, 1e-12])),
        ]
    )
    if field == "vox_offset" and version == 2:
        value = int(min(value, 2**62))
    if field in ("vox_offset",) and version == 1:
        value = float(value) if rng.random() < 0.9 else 352.5
    _set(block, version, field, index, value)


def _damage_magic(rng: random.Random, block: bytearray, version: int) -> None:
    offset = FIELDS[version]["magic"][0]  # type: ignore[index]
    choice = rng.randrange(3)
    if choice == 0:
        block[offset : offset + 4] = rng.choice([b"ni1\x00", b"n+2\x00", b"\x00\x00\x00\x00"])
    elif choice == 1:
        block[0:4] = struct.pack("<i", rng.choice([0, 347, 349, 540 if version == 1 else 348]))
    else:
        pos = rng.randrange(len(block))
        block[pos] = rng.randrange(256)


def _extension(rng: random.Random, block: bytearray, version: int) -> bytes:
    """An extender and one extension (sometimes mis-sized); vox_offset moved past it."""
    xml = b'<Label Key="20"><![CDATA[vertebrae_L1]]></Label>'
    content = rng.choice([xml, b"", b"\x00" * 40, bytes(rng.randrange(256) for _ in range(30))])
    esize = 8 + len(content) + (-(8 + len(content)) % 16)
    told = esize if rng.random() < 0.7 else rng.choice([0, 4, 17, esize + 16, -16])
    order = "<" if struct.unpack_from("<i", block, 0)[0] in (348, 540) else ">"
    body = struct.pack(f"{order}2i", told, rng.choice([0, 4, 6, 40])) + content
    body += b"\x00" * (esize - len(body))
    _set(block, version, "vox_offset", 0, len(block) + 4 + esize)
    return bytes([1, 0, 0, 0]) + body


def _container(rng: random.Random, raw: bytes) -> bytes:
    kind = rng.choice(["raw", "gzip", "gzip", "gzip", "cut", "members", "tail", "rawcut"])
    if kind == "raw":
        return raw
    if kind == "rawcut":
        return raw[: rng.randrange(len(raw))]
    if kind == "members":
        cut = rng.randrange(len(raw) + 1)
        return gzip.compress(raw[:cut], mtime=0) + gzip.compress(raw[cut:], mtime=0)
    packed = gzip.compress(raw, compresslevel=rng.choice([1, 6, 9]), mtime=0)
    if kind == "cut":
        return packed[: rng.randrange(len(packed))]
    if kind == "tail":
        return packed + rng.choice([b"\x00" * 8, b"garbage", gzip.compress(b"more", mtime=0)])
    return packed


def _bomb(rng: random.Random) -> bytes:
    """A small file that claims (or decompresses to) far more than it holds."""
    choice = rng.randrange(3)
    if choice == 0:  # the case: 1100^3 int32 declared in a few dozen bytes
        return gzip.compress(bytes(header(1, (1100, 1100, 1100), 8)) + b"\x00" * 4, mtime=0)
    if choice == 1:  # within the limits, data missing: 512 x 512 x 2000 uint8 declared
        block = bytes(header(1, (512, 512, 2000), 2))
        return gzip.compress(block + b"\x00" * (4 + rng.randrange(1 << 20)), mtime=0)
    shape = (512, 512, rng.choice([64, 256]))  # zeros that really decompress: 16-64 MiB
    zeros = b"\x00" * (4 + math.prod(shape))
    return gzip.compress(bytes(header(1, shape, 2)) + zeros, compresslevel=1, mtime=0)


def generate(rng: random.Random) -> bytes:
    """One NIfTI file, valid or damaged in one to three ways."""
    if rng.random() < 0.03:
        return _bomb(rng)
    if rng.random() < 0.02:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 3, 100, 400])))
    block, data, version = _valid_file(rng)
    middle = b"\x00\x00\x00\x00"
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        action = rng.choice(["header", "header", "header", "magic", "extension", "data"])
        if action == "header":
            _damage_header(rng, block, version)
        elif action == "magic":
            _damage_magic(rng, block, version)
        elif action == "extension":
            middle = _extension(rng, block, version)
        elif data:
            pos = rng.randrange(len(data))
            data = data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1 :]
    return _container(rng, bytes(block) + middle + data)


# --- the oracle ----------------------------------------------------------------------


def inflate(data: bytes, needed: int) -> tuple[bytes, bool]:
    """The first ``needed`` decompressed bytes (fewer if the stream stops) and whether the
    stream is damaged (truncated, corrupt, or followed by what is not a gzip member).

    As kypho's reader documents (``imaging.nifti``: "more data after the voxels is left
    unread"): a member that ends exactly at the last voxel byte must end whole (its
    CRC-32 and length); one that holds more after the voxels is not read further."""
    if data[:2] != b"\x1f\x8b":
        return data[:needed], False
    out, rest = bytearray(), data
    while rest and len(out) < needed:
        if rest[:2] != b"\x1f\x8b":
            return bytes(out), True
        d = zlib.decompressobj(31)
        try:
            out += d.decompress(rest, needed - len(out) + 1)
            while d.unconsumed_tail and len(out) <= needed:
                out += d.decompress(d.unconsumed_tail, needed - len(out) + 1)
        except zlib.error:
            return bytes(out[:needed]), True
        if len(out) > needed:  # the member goes on past the voxels: left unread (kypho)
            return bytes(out[:needed]), False
        if len(out) == needed:  # the member holding the last voxel byte must end whole:
            return bytes(out), not d.eof  # kypho inflates to its end and checks its CRC
        if not d.eof:
            return bytes(out), True
        rest = d.unused_data
    return bytes(out[:needed]), False


def _unpack(block: bytes, order: str, version: int, name: str) -> tuple:  # type: ignore[type-arg]
    offset, fmt = FIELDS[version][name]  # type: ignore[misc]
    return struct.unpack_from(order + fmt, block, offset)


def _version(prefix: bytes) -> tuple[int, str]:
    for order in "<>":
        if len(prefix) >= 4:
            size = struct.unpack_from(order + "i", prefix, 0)[0]
            if size in (348, 540):
                return (1 if size == 348 else 2), order
    raise Refused("sizeof_hdr is neither 348 nor 540")


def _shape(dim: tuple[int, ...]) -> tuple[int, ...]:
    if not 1 <= dim[0] <= 7:
        raise Refused(f"dim[0] {dim[0]} outside 1..7")
    shape = tuple(dim[1 : dim[0] + 1])
    if min(shape) < 1:
        raise Refused(f"a dimension < 1: {shape}")
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) != 3:
        raise Refused(f"not 3-D: {shape}")
    if math.prod(shape) > MAX_VOXELS:
        raise Refused("more voxels than the limit")
    return shape


def _geometry(block: bytes, order: str, version: int) -> None:
    pixdim = _unpack(block, order, version, "pixdim")
    qcode, scode = _unpack(block, order, version, "codes")
    top = FIELDS[version]["max_code"]
    if not (0 <= qcode <= top and 0 <= scode <= top):  # type: ignore[operator]
        raise Refused(f"xform code outside 0..{top}: {qcode}, {scode}")
    if not all(math.isfinite(z) and z > 0 for z in pixdim[1:4]):
        raise Refused(f"pixdim[1:4] not > 0: {pixdim[1:4]}")
    if scode > 0:
        srow = np.array(_unpack(block, order, version, "srow"), dtype=np.float64).reshape(3, 4)
        if not np.isfinite(srow).all():
            raise Refused("srow not finite")
        det = abs(float(np.linalg.det(srow[:, :3])))
    elif qcode > 0:
        quatern = _unpack(block, order, version, "quatern")
        if not all(math.isfinite(z) for z in quatern):
            raise Refused("quatern/qoffset not finite")
        if sum(z * z for z in quatern[:3]) > 1 + 1e-6:
            raise Refused("quatern b^2+c^2+d^2 > 1")
        if pixdim[0] not in (-1.0, 0.0, 1.0):
            raise Refused(f"qfac {pixdim[0]}")
        det = math.prod(pixdim[1:4])
    else:
        det = math.prod(pixdim[1:4])
    if not det >= 1e-9:
        raise Refused("singular affine (spacing near 0 mm)")


def _header(prefix: bytes) -> tuple[int, str, tuple[int, ...], str, int, int]:
    """(version, order, shape, dtype, vox_offset, bytes needed) of a standard header."""
    version, order = _version(prefix)
    f = FIELDS[version]
    size = int(f["size"])  # type: ignore[call-overload]
    if len(prefix) < size:
        raise Refused("shorter than its header")
    offset, magic = f["magic"]  # type: ignore[misc]
    if prefix[offset : offset + len(magic)] != magic:
        raise Refused("wrong magic")
    shape = _shape(_unpack(prefix, order, version, "dim"))
    datatype = _unpack(prefix, order, version, "datatype")[0]
    if datatype not in LABELS:
        raise Refused(f"datatype {datatype} is not label data")
    name, bits = DATATYPES[datatype]
    if _unpack(prefix, order, version, "bitpix")[0] != bits:
        raise Refused("bitpix does not match datatype")
    vox = _unpack(prefix, order, version, "vox_offset")[0]
    if not (math.isfinite(vox) and vox == int(vox) and vox >= size + 4):
        raise Refused(f"vox_offset {vox} below {size + 4} or not whole")
    needed = int(vox) + math.prod(shape) * bits // 8
    if needed > MAX_FILE_BYTES:
        raise Refused("declares more bytes than the limit")
    _geometry(prefix, order, version)
    return version, order, shape, name, int(vox), needed


def _extensions(region: bytes, order: str) -> bool:
    """Whether extensions are present; refuses a mis-sized one (nifti1.h esize rules)."""
    if not region or region[0] == 0:
        return False
    if len(region) - 4 > MAX_EXTENSION_BYTES:
        raise Refused("extensions larger than the limit")
    pos, body = 0, region[4:]
    while pos + 8 <= len(body):
        esize = struct.unpack_from(order + "i", body, pos)[0]
        if esize == 0:
            break
        if esize < 16 or esize % 16 or pos + esize > len(body):
            raise Refused(f"extension esize {esize}")
        pos += esize
    return True


def _labels(values: np.ndarray, scl: tuple[float, float]) -> np.ndarray:
    whole = np.isfinite(values) & (np.rint(values) == values)
    if values.dtype.kind == "f" and not (whole & (values <= 2.0**53)).all():
        raise Refused("labels not whole numbers from 0 to 2^53")
    if values.size and values.min() < 0:
        raise Refused("negative labels")
    slope, inter = scl
    if slope == 0 or math.isnan(slope):
        return values
    if not all(math.isfinite(z) and z == int(z) and abs(z) <= 65535 for z in scl):
        raise Refused(f"scl_slope/scl_inter {scl} not whole numbers")
    scaled = values.astype(np.float64) * slope + inter
    if scaled.size and scaled.min() < 0:
        raise Refused("negative labels after scaling")
    return scaled


def judge(data: bytes) -> tuple[bool | None, str]:
    """(valid, why): True must be measured, False refused, None: no opinion."""
    try:
        head, damaged = inflate(data, 544)
        version, order, shape, name, vox, needed = _header(head)
        prefix, damaged = inflate(data, needed)
        if len(prefix) < needed:
            raise Refused(f"{len(prefix)} bytes where the header needs {needed}")
        named = _extensions(prefix[FIELDS[version]["size"] : vox], order)  # type: ignore[misc]
        raw = np.frombuffer(prefix, dtype=np.dtype(name).newbyteorder(order), offset=vox)
        scl = _unpack(prefix, order, version, "scl")
        labels = _labels(raw, scl)
        top = float(labels.max())
        if top <= 0:
            raise Refused("an empty mask")
        if damaged or named:
            return None, "damage past the data, or header names (not modelled)"
        wanted = VERSE if top <= 28 else TOTAL
        present = set(np.unique(labels[(labels > 0) & (labels <= 65535)]).astype(int).tolist())
        if not present & wanted:
            raise Refused("no vertebra label of the layout")
        return True, ""
    except Refused as why:
        return False, str(why)


def explain(data: bytes) -> str:
    return judge(data)[1]


TARGET = FuzzTarget(
    name="nifti",
    suffix=".nii.gz",
    argv=lambda path: ["measure", str(path), "--format", "json"],
    generate=generate,
    valid=lambda data: judge(data)[0],
)
EXPLAIN = explain
