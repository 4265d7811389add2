"""Every reproducer the DICOM SEG campaign found, as real ``kypho measure`` processes.

Each input is the SEG target's series (``fuzz.seg``: ``fuzz.dicom``'s synthetic CT and a
SEG of its L1 written by kypho) with the SEG damaged in one way, measured with
``kypho measure --ct DIR --labels seg.dcm``. Each must be refused (exit 2) with one
message naming the SEG file and the DICOM tag at fault: never a traceback.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from fuzz.harness import Checker, Pool
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from fuzz import dicom, folder, seg


def _series(seg_bytes: bytes) -> bytes:
    files = {n: d for n, d in dicom.valid_files().items() if n.startswith("ct/")}
    files[seg.SEG_NAME] = seg_bytes
    return folder.pack(files)


def _edited(edit: Callable[[Dataset], None]) -> bytes:
    ds = seg._read(seg.valid_seg())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edit(ds)
        return _series(seg._write(ds))


def _replaced(old: bytes, new: bytes) -> bytes:
    data = seg.valid_seg()
    assert old in data
    return _series(data.replace(old, new, 1))


def _no_bits(ds: Dataset) -> None:
    del ds.BitsAllocated


def _no_segments(ds: Dataset) -> None:
    ds.SegmentSequence = Sequence([])


def _twice(ds: Dataset) -> None:
    ds.SegmentSequence.append(ds.SegmentSequence[0])


def _other_segment(ds: Dataset) -> None:
    shared = ds.SharedFunctionalGroupsSequence[0]
    shared.SegmentIdentificationSequence[0].ReferencedSegmentNumber = 2


def _frame_missing(ds: Dataset) -> None:
    del ds.PerFrameFunctionalGroupsSequence[3]


def _no_code(ds: Dataset) -> None:
    del ds.SegmentSequence[0].SegmentedPropertyTypeCodeSequence


def _rows(ds: Dataset) -> None:
    ds.Rows = 64


def _short_pixels(ds: Dataset) -> None:
    ds.PixelData = bytes(ds.PixelData)[:10]


def _no_position(ds: Dataset) -> None:
    del ds.PerFrameFunctionalGroupsSequence[2].PlanePositionSequence


def _source_foreign(ds: Dataset) -> None:
    frame = ds.PerFrameFunctionalGroupsSequence[0]
    frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID = "2.25.1"


FIRST_ITEM = b"\xfe\xff\x00\xe0"


def _item_length(size: int) -> bytes:
    """The SEG with its first sequence item (FFFE,E000) declaring ``size`` bytes."""
    data = seg.valid_seg()
    at = data.index(FIRST_ITEM) + 4
    return _series(data[:at] + size.to_bytes(4, "little") + data[at + 4 :])


PLANE_POSITION_SQ = b"\x20\x00\x13\x91SQ"  # (0020,9113) Plane Position Sequence, explicit VR

CASES: list[tuple[str, bytes, str]] = [
    ("valid", _series(seg.valid_seg()), ""),
    # found by the SEG campaign: AttributeError ('Segmentation' has no BitsAllocated) in read_seg
    ("no Bits Allocated", _edited(_no_bits), "Bits Allocated (0028,0100)"),
    # found by the SEG campaign: IndexError in highdicom's segread (no segment)
    ("no segments", _edited(_no_segments), "Segment Number (0062,0004)"),
    # found by the SEG campaign: sqlite3.IntegrityError in highdicom (segment 1 twice)
    ("segment twice", _edited(_twice), "Segment Number (0062,0004)"),
    # found by the SEG campaign: "expected vertebra labels ..., found labels []" (no tag)
    ("frames of segment 2", _edited(_other_segment), "Referenced Segment Number (0062,000B)"),
    # found by the SEG campaign: NotImplementedError (unknown VR) in highdicom's segread
    ("unknown VR nested", _replaced(PLANE_POSITION_SQ, b"\x20\x00\x13\x91S\x08"), "(0020,9113)"),
    # found by the SEG campaign: BytesLengthException and library wording from a lying length
    ("item length lies", _item_length(7), "("),
    ("a frame missing", _edited(_frame_missing), "Number of Frames (0028,0008)"),
    ("no property code", _edited(_no_code), "Segmented Property Type Code Sequence (0062,000F)"),
    ("rows not the CT's", _edited(_rows), "Rows (0028,0010)"),
    ("pixel data short", _edited(_short_pixels), "Pixel Data (7FE0,0010)"),
    ("no plane position", _edited(_no_position), "Plane Position Sequence (0020,9113)"),
    ("a foreign source slice", _edited(_source_foreign), "Source Image Sequence (0008,2112)"),
]  # fmt: skip


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Pool:
    return Pool(tmp_path_factory.mktemp("seg-fuzz"), jobs=1)


@pytest.mark.parametrize(("data", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_seg_reproducer_is_refused_naming_file_and_tag(data: bytes, words: str, pool: Pool) -> None:
    checker = Checker(seg.TARGET, pool)
    path = checker.write(data)
    run = pool.run(seg.TARGET.argv(path))
    assert "Traceback" not in run.stderr
    assert run.exit_code == (0 if not words else 2), run.stderr
    if words:
        assert words in run.stderr
        assert seg.TAG.search(run.stderr), run.stderr
        assert f"{path.name}/seg.dcm" in run.stderr
    assert checker.judge(data, run, path).kind == "ok"
