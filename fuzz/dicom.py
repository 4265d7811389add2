"""DICOM CT series for ``kypho measure --ct DIR --labels FILE``: a folder per input.

The generator writes a small synthetic CT series (12 axial slices of 32 x 32 pixels,
a vertebral body of 400 HU on water) and a NIfTI label volume on its grid (label 31,
L1 of TotalSegmentator's ``total`` task), half the time with a ``--dicom-out`` folder
(so the pixels are decoded and SEG + SR written). Then it damages the series: header
tags removed or garbled (Image Position/Orientation, Pixel Spacing, Rows/Columns, Bits
Allocated, Rescale Slope...), pixel data cut short, one file's bytes damaged or cut,
duplicate and missing slices, a huge declared Rows x Columns, a transfer syntax the
pixels are not in, files that are not DICOM, a labels file off the grid, a Referenced
Image Sequence nested up to 200 deep with damaged values or an item length that lies.

The oracle decides only what docs/dicom.md clearly does: the undamaged series must be
measured (exit 0 or 1); a folder with a file that is not DICOM, or with a slice removed
from the middle or copied, must be refused (exit 2). Otherwise it has no opinion: only
tracebacks, hangs and memory count.
"""

from __future__ import annotations

import gzip
import io
import random
import re
import struct
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

from fuzz import folder
from fuzz.target import FuzzTarget

SLICES, SIZE = 12, 32
PIXEL_MM, SLICE_MM = 1.25, 2.5
ORIGIN_LPS = (-20.0, -20.0, -15.0)
LABEL = 31  # TotalSegmentator total: vertebrae_L1
BONE_HU = 400
UID = "2.25.90000000000000000000000000000000"
MARK = "ct/.kypho-fuzz-"  # records in the packed bytes that tell the oracle what was done
TAGS = {  # keyword -> (tag, VR) of what is removed or garbled
    "ImagePositionPatient": (0x00200032, "DS"),
    "ImageOrientationPatient": (0x00200037, "DS"),
    "PixelSpacing": (0x00280030, "DS"),
    "RescaleSlope": (0x00281053, "DS"),
    "RescaleIntercept": (0x00281052, "DS"),
    "GantryDetectorTilt": (0x00181120, "DS"),
    "SliceThickness": (0x00180050, "DS"),
    "Rows": (0x00280010, "US"),
    "Columns": (0x00280011, "US"),
    "BitsAllocated": (0x00280100, "US"),
    "BitsStored": (0x00280101, "US"),
    "HighBit": (0x00280102, "US"),
    "PixelRepresentation": (0x00280103, "US"),
    "SamplesPerPixel": (0x00280002, "US"),
    "PhotometricInterpretation": (0x00280004, "CS"),
    "Modality": (0x00080060, "CS"),
    "SOPClassUID": (0x00080016, "UI"),
    "SeriesInstanceUID": (0x0020000E, "UI"),
    "FrameOfReferenceUID": (0x00200052, "UI"),
    "PixelData": (0x7FE00010, "OW"),
}
GARBAGE = (
    b"nan\\nan\\nan ", b"1e999\\0\\0", b"abc ", b"1\\2 ", b"", b"-0\\-0\\-0 ", b"inf ",
    b"1e308\\1e308\\1e308 ", b"0\\0 ", b"-1.25\\-1.25", b"1\\0\\0\\0\\1\\0\\0 ", b"\x00\x00",
    b"\xff\xfe\xfd ", b"9" * 400, b"0 ", b"1e-320\\1e-320",
)  # fmt: skip
US_VALUES = (0, 1, 7, 8, 12, 32, 64, 65535, 3)


def _slice(k: int) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = f"{UID}.{k + 1}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{UID}.100", f"{UID}.200"
    ds.FrameOfReferenceUID = f"{UID}.300"
    ds.PatientID, ds.PatientName = "KYPHO-FUZZ-0001", "Synthetic^Fuzz"
    ds.InstanceNumber = k + 1
    x, y, z = ORIGIN_LPS
    ds.ImagePositionPatient = [x, y, z + k * SLICE_MM]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [PIXEL_MM, PIXEL_MM]
    ds.SliceThickness = SLICE_MM
    ds.Rows = ds.Columns = SIZE
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleIntercept, ds.RescaleSlope = -1000, 1
    plane = _labels()[:, :, k].T  # (row j, column i)
    ds.PixelData = np.where(plane > 0, BONE_HU + 1000, 1000).astype(np.uint16).tobytes()
    return ds


@cache
def _labels() -> np.ndarray:
    """Axes (column i, row j, slice k): one body of 30 x 20 mm, 20 mm tall, mid-volume."""
    labels = np.zeros((SIZE, SIZE, SLICES), dtype=np.uint8)
    labels[4:28, 8:24, 2:10] = LABEL
    return labels


def _encoded(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _nifti(labels: np.ndarray, shift_mm: float = 0.0) -> bytes:
    """NIfTI-1 (gzip) of ``labels`` on the CT's grid: voxel (i, j, k) to RAS+."""
    x, y, z = ORIGIN_LPS
    srow = ((-PIXEL_MM, 0, 0, -x + shift_mm), (0, -PIXEL_MM, 0, -y), (0, 0, SLICE_MM, z))
    header = bytearray(352)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 3, *labels.shape, 1, 1, 1, 1)
    struct.pack_into("<hh", header, 70, 2, 8)  # uint8
    struct.pack_into("<8f", header, 76, 1.0, PIXEL_MM, PIXEL_MM, SLICE_MM, 1, 1, 1, 1)
    struct.pack_into("<f", header, 108, 352.0)
    struct.pack_into("<f", header, 112, 1.0)  # scl_slope
    struct.pack_into("<hh", header, 252, 0, 1)  # qform 0, sform scanner
    for n, row in enumerate(srow):
        struct.pack_into("<4f", header, 280 + 16 * n, *row)
    header[344:348] = b"n+1\x00"
    return gzip.compress(bytes(header) + labels.tobytes(order="F"), mtime=0)


@cache
def valid_files() -> dict[str, bytes]:
    files = {f"ct/s{k:03d}.dcm": _encoded(_slice(k)) for k in range(SLICES)}
    files["labels.nii.gz"] = _nifti(_labels())
    return files


def _reread(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data), force=True)


def _garble(ds: Dataset, keyword: str, rng: random.Random) -> None:
    tag, vr = TAGS[keyword]
    if vr == "US":
        value = struct.pack("<H", rng.choice(US_VALUES))
    elif keyword == "PixelData":
        value = bytes(ds.PixelData)[: rng.choice([0, 2, 100, 2047])]
    else:
        value = rng.choice(GARBAGE)
    value += b" " * (len(value) % 2)
    ds._dict[Tag(tag)] = RawDataElement(Tag(tag), vr, len(value), value, 0, False, True)


def _slice_edit(files: dict[str, bytes], rng: random.Random, names: list[str]) -> str:
    """Remove or garble one tag in one slice or all of them, or change the syntax."""
    chosen = names if rng.random() < 0.4 else [rng.choice(names)]
    keyword = rng.choice(list(TAGS))
    action = rng.randrange(5)
    for name in chosen:
        ds = _reread(files[name])
        if action == 0 and keyword in ds:
            del ds[keyword]
        elif action in (1, 2):
            _garble(ds, keyword, rng)
        elif action == 3:  # the pixels stay as they are: RLE, big endian, unknown syntax
            syntax = b"1.2.840.10008.1.2." + rng.choice([b"5", b"2", b"7"])
            files[name] = files[name].replace(b"1.2.840.10008.1.2.1\x00", syntax + b"\x00", 1)
            continue
        else:
            ds.Rows = ds.Columns = rng.choice([65535, 4096, 1, 31])
        files[name] = _encoded(ds)
    return f"tag-{keyword}"


def _nested(data: bytes, rng: random.Random) -> bytes:
    """A slice with a Referenced Image Sequence (0008,1140) nested ``depth`` deep, its
    items' values damaged, or one item's length (FFFE,E000) made to lie."""
    ds = _reread(data)
    item = Dataset()
    item.ReferencedSOPClassUID = rng.choice([CTImageStorage, "abc", ""])
    item.ReferencedSOPInstanceUID = rng.choice([f"{UID}.1", "x" * 200, "1..2"])
    for _ in range(rng.choice([1, 3, 40, 200])):
        outer = Dataset()
        outer.ReferencedImageSequence = Sequence(
            [item, Dataset()] if rng.random() < 0.3 else [item]
        )
        item = outer
    ds.ReferencedImageSequence = item.ReferencedImageSequence
    out = _encoded(ds)
    starts = [m.start() for m in re.finditer(re.escape(b"\xfe\xff\x00\xe0"), out)]
    if starts and rng.random() < 0.5:
        at = rng.choice(starts) + 4
        size = rng.choice([0, 1, 7, 0xFFFFFFFE, 2**31, len(out)])
        out = out[:at] + size.to_bytes(4, "little") + out[at + 4 :]
    return out


def _file_damage(files: dict[str, bytes], name: str, action: int, rng: random.Random) -> str:
    """One file cut short, its bytes damaged, or a nested sequence added to it."""
    data = files[name]
    if action == 3:
        files[name] = data[: rng.randrange(len(data))]
        return "cut"
    if action == 4:
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        files[name] = bytes(damaged)
        return "bytes"
    files[name] = _nested(data, rng)
    return "nested"


def _damage(files: dict[str, bytes], rng: random.Random) -> str:
    """One damage; its name, for the oracle when it decides the outcome."""
    names = sorted(n for n in files if n.startswith("ct/"))
    name = rng.choice(names)
    action = rng.randrange(11)
    if action <= 2:
        return _slice_edit(files, rng, names)
    if action in (3, 4, 10):
        return _file_damage(files, name, action, rng)
    if action == 5:
        files.pop(names[rng.randrange(1, len(names) - 1)])
        return "missing"
    if action == 6:
        files["ct/copy.dcm"] = files[name]
        return "duplicate"
    if action == 7:
        files[rng.choice(["ct/notes.txt", "ct/empty.dcm", "ct/labels.nii.gz"])] = rng.choice(
            [b"not dicom\n", b"", files["labels.nii.gz"], b"\x00" * 132 + b"DICM"]
        )
        return "not-dicom"
    if action == 8:
        labels = _labels()
        files["labels.nii.gz"] = rng.choice(
            [_nifti(labels, shift_mm=rng.choice([0.6, 1.25, 1e30])), _nifti(labels[:, :, :-1]),
             _nifti(np.zeros_like(labels)), files["labels.nii.gz"][: rng.randrange(60)]]
        )  # fmt: skip
        return "labels"
    for extra in rng.sample(names, rng.randint(1, 3)):
        ds = _reread(files[extra])
        ds.SeriesInstanceUID = rng.choice([f"{UID}.201", ds.SeriesInstanceUID])
        ds.ImageOrientationPatient = rng.choice([[0, 1, 0, 1, 0, 0], [1, 0, 0, 0, 0.9, 0.1]])
        files[extra] = _encoded(ds)
    return "geometry"


def _try_damage(files: dict[str, bytes], rng: random.Random) -> str:
    """``_damage``, or "skipped" where an earlier damage left a file pydicom cannot write
    again (the oracle then has no opinion)."""
    try:
        return _damage(files, rng)
    except Exception:  # noqa: BLE001 - whatever pydicom makes of a damaged file
        return "skipped"


def generate(rng: random.Random) -> bytes:
    files = dict(valid_files())
    with warnings.catch_warnings():  # pydicom's on rereading a garbled slice
        warnings.simplefilter("ignore")
        done = [_try_damage(files, rng) for _ in range(rng.choice([0, 1, 1, 1, 2]))]
    if rng.random() < 0.5:
        files["out/"] = b""
    files[MARK + "+".join(done)] = b""  # a dot-file: ignored by kypho (docs/dicom.md)
    return folder.pack(files)


def judge(data: bytes) -> tuple[bool | None, str]:
    files = folder.records(data)
    marks = [n.removeprefix(MARK) for n in files if n.startswith(MARK)]
    if len(marks) != 1:
        return None, ""  # cut by the shrinker: the oracle no longer knows what was done
    done = marks[0].split("+") if marks[0] else []
    if not done:
        return True, ""
    if done == ["not-dicom"]:
        return False, "a file in the folder that is not DICOM"
    if done == ["missing"]:
        return False, "a slice missing from the middle"
    if done == ["duplicate"]:
        return False, "a duplicate slice"
    return None, ""


def explain(data: bytes) -> str:
    return judge(data)[1]


def argv(path: Path) -> list[str]:
    out = ["measure", "--ct", str(path / "ct"), "--labels", str(path / "labels.nii.gz")]
    if (path / "out").is_dir():
        out += ["--dicom-out", str(path / "out")]
    return [*out, "--format", "json"]


TARGET = FuzzTarget(
    name="dicom",
    suffix=".series",
    argv=argv,
    generate=generate,
    valid=lambda data: judge(data)[0],
    materialize=folder.unpack,
)
EXPLAIN = explain
