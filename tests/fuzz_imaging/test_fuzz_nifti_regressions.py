"""NIfTI files that broke ``kypho measure`` (issue 15), each now refused or measured.

The files are written byte by byte from the standard (``fuzz.nifti.header``), not by
nibabel, so a header can say what nibabel would never write. Each runs through the CLI
entry point: exit 2 with one message naming the file and the field, or exit 0.
"""

from __future__ import annotations

import base64
import gzip
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fuzz.nifti import FIELDS, header, judge

from kypho.cli import main
from kypho.errors import InvalidInput
from kypho.imaging.nifti import load_labels

SHAPE = (12, 12, 12)
L1_VERSE = 20  # VerSe label of L1 (kypho.imaging.layouts [2])


def _box(dtype: str = "u1", shape: tuple[int, ...] = SHAPE) -> np.ndarray:
    data = np.zeros(shape, dtype=dtype)
    data[3:9, 3:9, 3:9] = L1_VERSE
    return data


def nifti(
    data: np.ndarray | None = None,
    *,
    datatype: int = 2,
    version: int = 1,
    order: str = "<",
    extension: bytes = b"\x00\x00\x00\x00",
    **fields: object,
) -> bytes:
    """A single-file NIfTI: header, extender (+ extensions) and the voxels, Fortran order."""
    data = _box() if data is None else data
    vox = FIELDS[version]["size"] + len(extension)
    block = header(version, data.shape, datatype, order=order, vox_offset=[vox], **fields)
    voxels = data.astype(data.dtype.newbyteorder(order)).tobytes(order="F")
    return bytes(block) + extension + voxels


def _set(raw: bytes, offset: int, fmt: str, *values: object) -> bytes:
    out = bytearray(raw)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def _run(tmp_path: Path, data: bytes, capsys: pytest.CaptureFixture[str]) -> tuple:
    path = tmp_path / "labels.nii.gz"
    path.write_bytes(data)
    code = main(["measure", str(path), "--format", "json"])
    out = capsys.readouterr()
    return code, out.out, out.err


NAN = float("nan")
REFUSED = [
    # (what, the file, words the message must hold)
    (
        "1100^3 int32 in a few dozen bytes",
        gzip.compress(bytes(header(1, (1100, 1100, 1100), 8)) + b"\0" * 4),
        "1,331,000,000 voxels (1100, 1100, 1100), above the limit of 536,870,912",
    ),
    ("truncated gzip", gzip.compress(nifti())[:-30], "a gzip stream that ends early"),
    (
        "damaged gzip",
        gzip.compress(nifti())[:40] + b"\xff" * 30 + gzip.compress(nifti())[70:],
        "a damaged gzip stream",
    ),
    (
        "pixdim NaN",
        nifti(pixdim=[1.0, NAN, 1.0, 1.0, 0, 0, 0, 0]),
        "pixdim[1:4]: expected voxel spacing > 0 mm",
    ),
    ("pixdim 0", nifti(pixdim=[1.0, 1.0, 0.0, 1.0, 0, 0, 0, 0]), "pixdim[1:4]"),
    ("pixdim negative", nifti(pixdim=[1.0, 1.0, 1.0, -1.0, 0, 0, 0, 0]), "pixdim[1:4]"),
    (
        "vox_offset 0",
        _set(nifti(), 108, "<f", 0.0),
        "vox_offset: expected a whole number of bytes >= 352, found 0.0",
    ),
    (
        "vox_offset past the end",
        _set(nifti(), 108, "<f", 10_000.0),
        "expected 11,728 bytes (vox_offset 10,000 + voxel data 1,728), found 2,080 (the file is",
    ),
    (
        "complex64 data",
        nifti(_box("c8"), datatype=32),
        "datatype: expected integer or whole-number float labels, found 32 (complex64)",
    ),
    ("RGB24 data", nifti(np.zeros((*SHAPE, 3), "u1"), datatype=128), "found 128 (RGB24)"),
    (
        "bitpix disagrees",
        _set(nifti(_box("i2"), datatype=4), 72, "<h", 8),
        "bitpix: expected 16 for datatype 4 (int16), found 8",
    ),
    ("scl_inter NaN with a slope", nifti(scl=[2.0, NAN]), "scl_inter: expected a whole number"),
    ("scl_slope infinite", nifti(scl=[float("inf"), 0.0]), "scl_slope: expected a whole number"),
    (
        "srow NaN",
        nifti(srow=[NAN, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]),
        "srow_x/y/z: expected finite numbers",
    ),
    (
        "quaternion too long",
        nifti(codes=[1, 0], quatern=[1.5, 0, 0, 0, 0, 0]),
        "quatern_b/c/d: expected b^2 + c^2 + d^2 <= 1",
    ),
    ("xform code 9", nifti(codes=[0, 9]), "sform_code: expected 0 to 4, found 9"),
    ("dim[0] 8", _set(nifti(), 40, "<h", 8), "dim[0]: expected 1 to 7 dimensions, found 8"),
    (
        "a 2-D image",
        nifti(_box(shape=(12, 12, 1))[:, :, 0]),
        "expected a 3-D label volume, found 2-D",
    ),
    (
        "a mis-sized extension",
        nifti(extension=b"\x01\0\0\0" + struct.pack("<2i", 17, 0) + b"\0" * 8),
        "header extension 1: expected esize a multiple of 16",
    ),
    (
        "non-whole float labels",
        nifti(_box("f4") / 3, datatype=16),
        "expected whole-number labels from 0 to 2^53, found 6.66",
    ),
    ("negative labels", nifti(-_box("i2"), datatype=4), "expected label values >= 0, found -20"),
    ("an empty mask", nifti(np.zeros(SHAPE, "u1")), "found an empty mask"),
    (
        "several problems",
        nifti(pixdim=[1.0, NAN, NAN, 1.0, 0, 0, 0, 0], codes=[7, 8], bitpix=[7]),
        "(and 1 more problem)",
    ),
    (
        "not NIfTI",
        b"\x00" * 400,
        "expected a NIfTI image (.nii, .nii.gz) starting with sizeof_hdr 348 or 540",
    ),
]


@pytest.mark.parametrize(("what", "data", "needle"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_reproducer_is_refused_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, data: bytes, needle: str
) -> None:
    assert judge(data)[0] is False, what  # the standard's oracle agrees
    code, out, err = _run(tmp_path, data, capsys)
    assert (code, out) == (2, ""), err
    assert err.startswith(f"kypho: error: {tmp_path / 'labels.nii.gz'}: ")
    assert needle in err
    assert not any(word in err for word in ("Traceback", "nibabel", "numpy", "Errno"))


MEASURED = [
    ("raw .nii under a .gz name", nifti()),
    ("gzip", gzip.compress(nifti())),
    ("multi-member gzip", gzip.compress(nifti()[:500]) + gzip.compress(nifti()[500:])),
    ("gzip with zero padding after it", gzip.compress(nifti()) + b"\0" * 16),
    ("NIfTI-2, big-endian", nifti(version=2, order=">")),
    ("int64 labels", nifti(_box("i8"), datatype=1024)),
    ("whole-number float labels", nifti(_box("f8"), datatype=64)),
    ("scl_slope NaN means unscaled", nifti(scl=[NAN, NAN])),
    ("scl_slope 2 doubles label 10 to L1", nifti(_box() // 2, scl=[2.0, 0.0])),
    ("qform with qfac 0", nifti(codes=[1, 0], pixdim=[0.0, 1.0, 1.0, 1.0, 0, 0, 0, 0])),
    ("a 4-D volume of one frame", nifti(_box(shape=(*SHAPE, 1)))),
    ("padding before vox_offset", nifti(extension=b"\0" * 64)),
    ("one voxel", nifti(np.pad(np.full((1, 1, 1), L1_VERSE, "u1"), 5))),
]  # fmt: skip


@pytest.mark.parametrize(("what", "data"), MEASURED, ids=[m[0] for m in MEASURED])
def test_the_valid_side_is_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, data: bytes
) -> None:
    assert judge(data)[0] is True, what
    code, out, err = _run(tmp_path, data, capsys)
    assert (code, err) == (0, ""), err
    assert '"level": "L1"' in out


def test_label_names_come_from_an_xml_extension(tmp_path: Path) -> None:
    xml = b'<Label Key="7"><![CDATA[vertebrae_L2]]></Label>'
    body = struct.pack("<2i", 64, 0) + xml
    path = tmp_path / "named.nii"
    path.write_bytes(nifti(extension=b"\x01\0\0\0" + body.ljust(64, b"\0")))
    assert load_labels(path).header_names == {7: "vertebrae_L2"}


def test_twenty_thousand_labels_are_measured_in_bounded_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = (np.arange(28**3) % 20_001).reshape((28, 28, 28)).astype("u2")
    start = time.perf_counter()
    code, out, err = _run(tmp_path, nifti(labels, datatype=512), capsys)
    assert (code, err) == (0, "")
    assert (
        time.perf_counter() - start < 120.0
    )  # a bound against runaway time, not a benchmark (bench/fuzz.py times it)
    assert '"level": "L1"' in out  # TotalSegmentator layout (labels above 28): L1 is 31


def _peak_rss_bytes(path: Path) -> tuple[int, bytes]:
    """The peak RSS of ``kypho measure path`` alone, read by GNU time (``%M``, KiB).

    Not ``os.wait4`` on a child of this process: Linux carries a process's peak RSS across
    ``execve``, so a child spawned from pytest reports pytest's own peak (619 MB seen in
    CI) whatever kypho used. GNU time's child is forked from the small ``time`` process.
    """
    gnu_time = shutil.which("time") or "/usr/bin/time"
    if not Path(gnu_time).is_file():
        pytest.skip("GNU time is not installed (Debian package time)")
    report = path.with_suffix(".rss")
    cmd = [gnu_time, "-f", "%M", "-o", str(report), sys.executable, "-m", "kypho.cli",
           "measure", str(path), "--format", "json"]  # fmt: skip
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    assert proc.returncode == 2, proc.stderr
    kib = int(report.read_text(encoding="utf-8").split()[-1])
    return kib * 1024, proc.stderr


def test_a_header_that_lies_costs_only_what_is_really_there(tmp_path: Path) -> None:
    """The issue's bomb class: 500 MiB declared (within the limits), 1 MiB present."""
    path = tmp_path / "lies.nii.gz"
    path.write_bytes(gzip.compress(bytes(header(1, (512, 512, 2000), 2)) + b"\0" * (1 << 20)))
    rss, err = _peak_rss_bytes(path)
    assert b"expected 524,288,000 bytes of voxel data" in err
    assert b"found 1,048,572 (the file is truncated)" in err  # 4 bytes: the extender
    # The whole process (imports, and coverage in CI: 419 MB seen) stays below the 500 MiB
    # the header claims; before the fix the claimed buffer alone was allocated (611 MB peak).
    assert rss < 524_288_000


def test_a_mask_thinnest_front_to_back_is_a_poor_level_not_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the quick profile (seed 15, input 14): 6 x 2 x 4 voxels, NaN frame before."""
    labels = np.zeros((7, 5, 7), "u1")
    labels[0:6, 1:3, 0:4] = L1_VERSE
    code, out, err = _run(tmp_path, nifti(labels), capsys)
    assert (code, err) == (0, "")
    assert "not the shape of a vertebral body" in out
    assert "NaN" not in out and "Infinity" not in out


def test_an_extender_with_only_padding_after_it_has_no_extensions(tmp_path: Path) -> None:
    path = tmp_path / "padded.nii"
    path.write_bytes(nifti(extension=b"\x01\0\0\0" + b"\0" * 16))  # esize 0: padding
    assert load_labels(path).header_names == {}


def test_extensions_above_16_mib_are_refused_before_they_are_read(tmp_path: Path) -> None:
    path = tmp_path / "big-extension.nii"
    region = b"\x01\0\0\0" + b"\0" * (16 * 2**20 + 16)
    path.write_bytes(nifti(extension=region))
    with pytest.raises(InvalidInput, match="header extensions: expected at most 16,777,216 bytes"):
        load_labels(path)


def test_one_label_filling_the_volume_is_a_poor_level_in_bounded_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found while sizing item 3: 293 kB of gzip, 512 x 512 x 256 voxels all labelled 31,
    drove memory to 11.9 GB and ran past 300 s; a label over 1,000,000 voxels is now
    counted, not collected."""
    labels = np.full((128, 128, 80), L1_VERSE, dtype="u1")  # 1,310,720 voxels
    code, out, err = _run(tmp_path, gzip.compress(nifti(labels)), capsys)
    assert (code, err) == (0, "")
    assert "too many voxels for one vertebra: 1,310,720, above 1,000,000" in out


# bench/fuzz.py --only nifti --count 3000 --seed 2, shrunk: 3 x 2 x 8 float labels of
# about 3.8e255; cast to uint64 they became label 5 and were measured as C5.
HUGE_FLOAT_LABELS = bytes.fromhex(
    "1f8b08000000000002038b6164200a300321130307032314a2020720048106fbb3677cec413403c301"
    "288d0c3638330c22c00484b800c41fe8a0018bd8017b6cfaf3b40d9178220ea8f45013a71a28a5771c"
    "030085"
)


def test_float_labels_too_large_to_be_integers_are_refused_not_wrapped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert judge(HUGE_FLOAT_LABELS)[0] is False
    code, out, err = _run(tmp_path, HUGE_FLOAT_LABELS, capsys)
    assert (code, out) == (2, "")
    assert "expected whole-number labels from 0 to 2^53, found 3.7537584144023" in err
    assert "np.float64" not in err


@pytest.mark.parametrize(("value", "ok"), [(2.0**53, True), (2.0**54, False)])
def test_the_float_label_limit_on_both_sides(tmp_path: Path, value: float, ok: bool) -> None:
    data = _box("f8")
    data[0, 0, 0] = value
    path = tmp_path / "edge.nii"
    path.write_bytes(nifti(data, datatype=64))
    if ok:
        assert int(load_labels(path).labels.max()) == 2**53
    else:
        with pytest.raises(InvalidInput, match="from 0 to 2\\^53, found 1.8014398509481984e"):
            load_labels(path)


# Found by the long profile (2026-12-02, nifti target, seed 0): an sform entry so large
# that the column norm overflows printed numpy's "RuntimeWarning: overflow" before
# kypho's message. Run as a real process: warnings reach stderr only there.
HUGE_SFORM_GZ = base64.b64decode(
    "H4sIAAAAAAACA5NhYmDI0zZi4OWS4mJgdWBgZoAAGM0KpVmgNCMBGj/4YA+hORxQ6R/2qPKYQIGJYUgBJigmD3A4"
    "CL7SbZw5vdCWkDocEi9RuT/sGYYYkGIY"
)


def test_an_overflowing_affine_is_one_message_with_no_numpy_warning(tmp_path: Path) -> None:
    path = tmp_path / "labels.nii.gz"
    path.write_bytes(HUGE_SFORM_GZ)
    done = subprocess.run(
        [sys.executable, "-m", "kypho.cli", "measure", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"kypho: error: {path}: expected a finite voxel spacing > 0 mm, found pixdim "
        "[3.0, 3.0, 1.5] and affine spacing [inf, 3.0, 1.5]"
    ]


# found by the long profile (2026-12-02, seed 0, 11 (1) "refused though valid"): a gzip
# member cut off inside its trailer, right after the last voxel byte. kypho refuses it
# (it inflates that member to its end to check the CRC); the oracle had counted it valid
# because every voxel byte came out, and now holds no opinion on it (damage after the
# data, which kypho may refuse). Shrunk reproducer, 80 bytes.
CUT_AFTER_THE_VOXELS = bytes.fromhex(
    "1f8b08000000000004038b6164200a30337030b031f0303042219a26460eb040833d03c30120767080"
    "d0203e32d8e08ccc1bdc6c903fd001c85fe8009b3a06863c6d437485a3fcd110c01d02dcd8a500"
)


def test_a_member_cut_right_after_the_voxels_is_refused_by_kypho_and_oracle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cut.nii.gz"
    path.write_bytes(CUT_AFTER_THE_VOXELS)
    with pytest.raises(EOFError):  # the standard library agrees the stream is cut short
        gzip.decompress(CUT_AFTER_THE_VOXELS)
    assert judge(CUT_AFTER_THE_VOXELS)[0] is not True  # damage after the data: no opinion
    assert main(["measure", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: expected a readable NIfTI image" in err and "ends early" in err


def test_the_same_member_whole_and_with_more_after_the_voxels_is_read(tmp_path: Path) -> None:
    """The other side: the member whole; and a member holding more than the voxels, cut
    after them (kypho leaves what follows the voxels unread, as documented)."""
    raw = bytes(nifti())
    whole = gzip.compress(raw, mtime=0)
    longer = gzip.compress(raw + b"\0" * 4096, mtime=0)[:-8]  # trailer cut, after extra data
    for name, data in (("whole", whole), ("longer", longer)):
        path = tmp_path / f"{name}.nii.gz"
        path.write_bytes(data)
        assert judge(data)[0] is True, name
        assert load_labels(path).labels.shape == SHAPE, name
