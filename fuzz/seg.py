"""DICOM SEG labels for ``kypho measure --ct DIR --labels SEG.dcm``: a folder per input.

The generator writes ``fuzz.dicom``'s synthetic CT series and a SEG of its vertebra (L1)
drawn on it (kypho's SEG writer, once), then damages the SEG: the Segment Sequence
(0062,0002) and what is nested in it (Segment Number, the property type codes, the
label), the Referenced Series Sequence (0008,1115), the Frame of Reference UID, the
per-frame functional groups (frames missing, their Source Image Sequence (0008,2112),
Referenced Segment Number and plane positions), the shared functional groups (pixel
measures, orientation), Number of Frames, Rows and Columns, the pixel data, the SOP
Class UID, the bytes of a nested item's length, or the file's bytes.

The oracle decides what docs/dicom.md (and ``kypho.interop.dicom.seg_read``'s contract)
clearly does: the undamaged SEG must be measured (exit 0 or 1); a SEG of another SOP
class, Frame of Reference or series, or whose frames come from slices not of this CT,
or without vertebra segments, must be refused (exit 2). Every refusal must name the
SEG file and a DICOM tag (``(gggg,eeee)``, issue 15 item 6). Otherwise only tracebacks,
hangs and memory count.
"""

from __future__ import annotations

import io
import random
import re
import tempfile
import warnings
from functools import cache
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from fuzz import dicom, folder
from fuzz.classify import _INTERNALS, Run, Verdict, _first_error
from fuzz.target import FuzzTarget

SEG_NAME = "seg.dcm"
MARK = "ct/.kypho-fuzz-"
TAG = re.compile(r"\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)")
OTHER_UID = "2.25.4242"
REFUSED = {"sop-class", "frame-of-reference", "series", "source-images", "no-segments"}


@cache
def valid_seg() -> bytes:
    """A SEG of ``fuzz.dicom``'s L1 on its CT, by kypho's writer (fixed UIDs)."""
    from kypho.interop.dicom.seg_write import build_seg
    from kypho.interop.dicom.series import read_series
    from kypho.workflows.measure_dicom import encoded

    with tempfile.TemporaryDirectory(prefix="kypho-fuzz-seg-") as tmp:
        for name, data in dicom.valid_files().items():
            if name.startswith("ct/"):
                path = Path(tmp) / name
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(data)
        ct = read_series(Path(tmp) / "ct", pixels=False)
        seg = build_seg(ct, dicom._labels(), {dicom.LABEL: "L1"},
                        series_uid=f"{dicom.UID}.900", instance_uid=f"{dicom.UID}.901")  # fmt: skip
    return encoded(seg)


def _read(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data), force=True)


def _write(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=False)
    return buffer.getvalue()


def _segments(ds: Dataset, rng: random.Random) -> str:
    items = ds.SegmentSequence
    pick = rng.randrange(6)
    if pick == 0:
        ds.SegmentSequence = Sequence([])
        return "no-segments"
    if pick == 1:
        del ds.SegmentSequence
        return "no-segments"
    item = items[0]
    if pick == 2:
        item.SegmentNumber = rng.choice([0, 2, 99, 65535])
    elif pick == 3:
        del item[rng.choice(["SegmentNumber", "SegmentedPropertyTypeCodeSequence",
                             "SegmentedPropertyCategoryCodeSequence", "SegmentLabel"])]  # fmt: skip
    elif pick == 4:
        item.SegmentedPropertyTypeCodeSequence = Sequence(
            rng.choice([[], [Dataset()], [item.SegmentedPropertyTypeCodeSequence[0]] * 2])
        )
    else:
        items.append(items[0])
    return "segments"


def _frames(ds: Dataset, rng: random.Random) -> str:
    frames = ds.PerFrameFunctionalGroupsSequence
    frame = frames[rng.randrange(len(frames))]
    pick = rng.randrange(7)
    if pick == 0 and len(frames) > 1:
        del frames[rng.randrange(len(frames))]
    elif pick == 1:
        ds.NumberOfFrames = rng.choice([0, 1, len(frames) + 1, 10_000])
    elif pick == 2:
        source = frame.DerivationImageSequence[0].SourceImageSequence[0]
        source.ReferencedSOPInstanceUID = OTHER_UID
        return "source-images"
    elif pick == 3:
        del frame[rng.choice(["DerivationImageSequence", "SegmentIdentificationSequence",
                              "PlanePositionSequence", "FrameContentSequence"])]  # fmt: skip
    elif pick == 4:
        frame.SegmentIdentificationSequence[0].ReferencedSegmentNumber = rng.choice([0, 2, 999])
    elif pick == 5:
        frame.PlanePositionSequence[0].ImagePositionPatient = rng.choice(
            [[0, 0, 1e30], [0, 0], ["nan", 0, 0]]
        )
    else:
        ds.PerFrameFunctionalGroupsSequence = Sequence([])
    return "frames"


def _shared(ds: Dataset, rng: random.Random) -> str:
    shared = ds.SharedFunctionalGroupsSequence[0]
    pick = rng.randrange(4)
    if pick == 0:
        del shared[rng.choice(["PixelMeasuresSequence", "PlaneOrientationSequence"])]
    elif pick == 1:
        shared.PixelMeasuresSequence[0].PixelSpacing = rng.choice([[0, 0], [1e30, 1], [1]])
    elif pick == 2:
        shared.PlaneOrientationSequence[0].ImageOrientationPatient = [0, 0, 0, 0, 0, 0]
    else:
        ds.SharedFunctionalGroupsSequence = Sequence([])
    return "shared"


def _header(ds: Dataset, rng: random.Random) -> str:
    pick = rng.randrange(6)
    if pick == 0:
        ds.SOPClassUID = rng.choice(["1.2.840.10008.5.1.4.1.1.2", OTHER_UID])
        return "sop-class"
    if pick == 1:
        ds.FrameOfReferenceUID = OTHER_UID
        return "frame-of-reference"
    if pick == 2:
        ds.ReferencedSeriesSequence[0].SeriesInstanceUID = OTHER_UID
        return "series"
    if pick == 3:
        ds.Rows, ds.Columns = rng.choice([(0, 0), (64, 64), (1, 32), (65535, 65535)])
    elif pick == 4:
        ds.PixelData = bytes(ds.PixelData)[: rng.choice([0, 1, 10])]
    else:
        del ds[rng.choice(["ReferencedSeriesSequence", "FrameOfReferenceUID", "PixelData",
                           "SegmentationType", "BitsAllocated"])]  # fmt: skip
    return "header"


def _nested_bytes(data: bytes, rng: random.Random) -> bytes:
    """An item (FFFE,E000) nested in a sequence, its length made to lie."""
    item = b"\xfe\xff\x00\xe0"
    starts = [m.start() for m in re.finditer(re.escape(item), data)]
    if not starts:
        return data
    at = rng.choice(starts) + 4
    size = rng.choice([0, 1, 7, 0xFFFFFFFE, 2**31, len(data)])
    return data[:at] + size.to_bytes(4, "little") + data[at + 4 :]


def _damage(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    pick = rng.randrange(8)
    if pick == 6:
        return _nested_bytes(data, rng), "nested-bytes"
    if pick == 7:
        out = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return (
            (bytes(out), "bytes")
            if rng.random() < 0.6
            else (data[: rng.randrange(len(data))], "cut")
        )
    ds = _read(data)
    edit = (_segments, _frames, _shared, _header, _header, _frames)[pick]
    done = edit(ds, rng)
    return _write(ds), done


def generate(rng: random.Random) -> bytes:
    files = {n: d for n, d in dicom.valid_files().items() if n.startswith("ct/")}
    seg, done = valid_seg(), []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            try:
                seg, what = _damage(seg, rng)
            except Exception:  # noqa: BLE001 - pydicom cannot rewrite an earlier damage
                what = "skipped"
            done.append(what)
    files[SEG_NAME] = seg
    files[MARK + "+".join(done)] = b""
    return folder.pack(files)


def judge(data: bytes) -> tuple[bool | None, str]:
    marks = [n.removeprefix(MARK) for n in folder.records(data) if n.startswith(MARK)]
    if len(marks) != 1:
        return None, ""
    done = marks[0].split("+") if marks[0] else []
    if not done:
        return True, ""
    if len(done) == 1 and done[0] in REFUSED:
        return False, f"a SEG damaged so that docs/dicom.md refuses it: {done[0]}"
    return None, ""


def explain(data: bytes) -> str:
    return judge(data)[1]


def check(data: bytes, run: Run) -> Verdict | None:  # noqa: ARG001 - the run says it all
    error = _first_error(run.stderr)
    if run.exit_code == 2 and not error:
        return Verdict("wrong_exit", "exit 2 without a message")
    found = next((word for word in _INTERNALS if word in run.stderr), None)
    if found is not None:
        return Verdict("message", f"library wording {found!r}", error)
    if run.exit_code == 2 and error.startswith("kypho: error") and SEG_NAME not in error:
        return Verdict("message", "does not name the SEG file", error)
    if run.exit_code == 2 and SEG_NAME in error and not TAG.search(error):
        return Verdict("message", "does not name the tag: " + _shape(error), error)
    return None


def _shape(error: str) -> str:
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "S", error.split(SEG_NAME, 1)[-1])
    return re.sub(r"\d+", "N", text)[:90]


def argv(path: Path) -> list[str]:
    return ["measure", "--ct", str(path / "ct"), "--labels", str(path / SEG_NAME),
            "--format", "json"]  # fmt: skip


TARGET = FuzzTarget(
    name="seg",
    suffix=".series",
    argv=argv,
    generate=generate,
    valid=lambda data: judge(data)[0],
    materialize=folder.unpack,
    check=check,
)
EXPLAIN = explain
