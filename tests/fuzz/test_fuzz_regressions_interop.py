"""Every reproducer the FHIR and DICOM fuzz campaigns found, as real processes.

FHIR inputs are minimal Bundle bytes for ``kypho fhir import``; DICOM inputs are the
fuzz target's synthetic series (``fuzz.dicom``) with one tag damaged, written as a folder
and measured with ``kypho measure --ct DIR --labels FILE``. Each must be refused (exit 2)
with one message naming the file and the path or tag, or accepted: never a traceback.
"""

from __future__ import annotations

import struct

import pytest
from fuzz.harness import Checker, Pool
from fuzz.target import FuzzTarget
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

from fuzz import dicom, fhir, folder

WEIGHT = (
    b'{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation",'
    b'"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},'
    b'"effectiveDateTime":"2026-11-01","valueQuantity":{"value":VALUE,"code":"kg"}}}]}'
)


def _bundle(extra: bytes) -> bytes:
    return b'{"resourceType":"Bundle","type":"collection"' + extra + b"}"


def _series(
    *, tag: int, vr: str, value: bytes, dicom_out: bool = False, only: str | None = None
) -> bytes:
    """The fuzz target's valid series with ``tag`` of every slice (or ``only``) set to raw
    ``value``."""
    files = dict(dicom.valid_files())
    for name in [n for n in files if n.startswith("ct/") and only in (None, n)]:
        ds = dicom._reread(files[name])
        ds._dict[Tag(tag)] = RawDataElement(Tag(tag), vr, len(value), value, 0, False, True)
        files[name] = dicom._encoded(ds)
    if dicom_out:
        files["out/"] = b""
    return folder.pack(files)


def _unknown_vr() -> bytes:
    """One slice whose SOP Instance UID (0008,0018) has the VR "UZ", which is none."""
    files = dict(dicom.valid_files())
    element = struct.pack("<HH", 0x0008, 0x0018) + b"UI"
    assert element in files["ct/s003.dcm"]
    files["ct/s003.dcm"] = files["ct/s003.dcm"].replace(element, element[:4] + b"UZ", 1)
    return folder.pack(files)


DS = "DS"
CASES: list[tuple[str, FuzzTarget, bytes, int, str]] = [
    ("fhir: valid", fhir.TARGET, _bundle(b""), 0, ""),
    # found by the FHIR campaign: RecursionError in parse_bundle_text
    (
        "fhir: deep nesting",
        fhir.TARGET,
        _bundle(b',"entry":' + b"[" * 100_000 + b"]" * 100_000),
        2,
        "nested too deeply",
    ),
    # found by the FHIR campaign: OverflowError in get_number
    (
        "fhir: 400-digit weight",
        fhir.TARGET,
        WEIGHT.replace(b"VALUE", b"1" + b"0" * 399),
        2,
        "entry[0].resource.valueQuantity.value: expected a finite number, got a 400-digit",
    ),
    # found by the FHIR campaign: NaN and Infinity (not JSON, RFC 8259) were accepted
    ("fhir: NaN", fhir.TARGET, _bundle(b',"x":NaN'), 2, "got NaN"),
    ("fhir: Infinity", fhir.TARGET, _bundle(b',"x":[Infinity]'), 2, "got Infinity"),
    ("fhir: -Infinity", fhir.TARGET, _bundle(b',"x":-Infinity'), 2, "got -Infinity"),
    ("fhir: 5000 digits", fhir.TARGET, _bundle(b',"x":' + b"9" * 5000), 2, "at most 1000 digits"),
    ("dicom: valid", dicom.TARGET, _series(tag=0x00080070, vr="LO", value=b"ACME"), 0, ""),
    # found by the DICOM campaign: NotImplementedError (unknown VR) in seg_write.require_uids
    ("dicom: unknown VR", dicom.TARGET, _unknown_vr(), 2, "SOPInstanceUID (0008,0018)"),
    # found by the DICOM campaign: ValueError in hu.stack_hu
    (
        "dicom: RescaleIntercept abc",
        dicom.TARGET,
        _series(tag=0x00281052, vr=DS, value=b"abc ", dicom_out=True),
        2,
        "RescaleIntercept (0028,1052): expected 1 finite number(s), found 'abc'",
    ),
    # found by the DICOM campaign: TypeError in series._check_ct
    (
        "dicom: two gantry tilts",
        dicom.TARGET,
        _series(tag=0x00181120, vr=DS, value=b"1\\2 "),
        2,
        "GantryDetectorTilt (0018,1120): expected 1 finite number(s)",
    ),
    (
        "dicom: position nan",
        dicom.TARGET,
        _series(tag=0x00200032, vr=DS, value=b"nan\\nan\\nan "),
        2,
        "ImagePositionPatient (0020,0032): expected 3 finite number(s)",
    ),
    (
        "dicom: spacing 1e999",
        dicom.TARGET,
        _series(tag=0x00280030, vr=DS, value=b"1e999\\1 "),
        2,
        "PixelSpacing (0028,0030): expected 2 finite number(s)",
    ),
    # seen in a campaign's messages: numpy's reprs (np.float64(1.0)) instead of numbers
    (
        "dicom: two orientations",
        dicom.TARGET,
        _series(tag=0x00200037, vr=DS, value=b"0\\1\\0\\1\\0\\0 ", only="ct/s005.dcm"),
        2,
        "expected [1.0, 0.0, 0.0, 0.0, 1.0, 0.0] as in",
    ),
    # "or 1" read a Rescale Slope of 0 as 1: every HU would have been wrong
    (
        "dicom: RescaleSlope 0",
        dicom.TARGET,
        _series(tag=0x00281053, vr=DS, value=b"0 ", dicom_out=True),
        2,
        "RescaleSlope (0028,1053): expected a number other than 0",
    ),
]


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Pool:
    return Pool(tmp_path_factory.mktemp("interop-fuzz"), jobs=1)


@pytest.mark.parametrize(
    ("target", "data", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_reproducer_is_handled(
    target: FuzzTarget, data: bytes, code: int, words: str, pool: Pool
) -> None:
    checker = Checker(target, pool)
    path = checker.write(data)
    run = pool.run(target.argv(path))
    assert "Traceback" not in run.stderr
    assert run.exit_code == code, run.stderr
    assert words in run.stderr
    if code == 2:
        assert path.name in run.stderr  # the message names the file (or the folder's file)
    assert checker.judge(data, run, path).kind == "ok"
