"""``kypho measure --ct --labels --dicom-out``: SEG + SR checked by other people's programs.

A phantom spine with known heights is written as a synthetic CT series and as NIfTI
labels; the SEG and SR kypho writes are checked by dciodvfy and dcentvfy (dicom3tools),
dsrdump (dcmtk) and read back with highdicom.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
import pytest
from kypho_dicom_support import (
    BONE_HU,
    EXAMPLE_SEG_NIFTI,
    PATIENT_ID,
    STUDY_UID,
    example_series,
    need_program,
    phantom_series,
)

from kypho.cli import main
from kypho.interop.dicom.seg_read import read_seg
from kypho.interop.dicom.series import read_series
from phantoms import TOTAL_IDS, normal, spine, wedge, write_nifti

SPECS = [
    normal("T12", 25.0),
    wedge("L1", anterior_height_mm=15.0, posterior_height_mm=26.0),
    normal("L2", 27.0),
]
# SNOMED CT codes of DICOM CID 7603 (PS3.16), typed from the standard, not from kypho
SNOMED = {"T12": "23215003", "L1": "66794005", "L2": "14293000"}
# The figures below were pinned at TotalSegmentator's stations; stated, not defaulted.
STATIONS = "ts-15-50-85"
SR_NAMES = {
    "KY0001": "anterior_height_mm",
    "KY0002": "middle_height_mm",
    "KY0003": "posterior_height_mm",
    "KY0004": "height_loss_pct",
    "KY0009": "height_doubt_mm",
    "KY0007": "wedge_angle_deg",
    "KY0008": "wedge_angle_doubt_deg",
}


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("phantom")
    phantom = spine(SPECS, spacing_mm=(1.0, 1.0, 2.0), label_ids=TOTAL_IDS)
    ct = phantom_series(phantom.labels, phantom.affine, root / "ct")
    labels = root / "labels.nii.gz"
    write_nifti(phantom, labels)
    out = root / "out"
    out.mkdir()
    code = main(
        ["measure", "--ct", str(ct), "--labels", str(labels), "--stations", STATIONS]
        + ["--dicom-out", str(out), "--format", "json"]
    )
    assert code == 0
    return {"root": root, "ct": ct, "labels": labels, "out": out, "phantom": phantom}


@pytest.fixture(scope="module")
def report(case: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # the same measurement as JSON, from the NIfTI alone (the path pinned elsewhere)
    from kypho.morphometry.report import spine_dict
    from kypho.workflows.measure import measure_file

    return spine_dict(measure_file(case["labels"], stations=STATIONS).spine)


def test_seg_and_sr_carry_the_cts_identity_and_new_uids(case: dict[str, Any]) -> None:
    seg = pydicom.dcmread(case["out"] / "kypho-seg.dcm")
    sr = pydicom.dcmread(case["out"] / "kypho-sr.dcm")
    ct = read_series(case["ct"], pixels=False)
    for ds in (seg, sr):
        assert ds.PatientID == PATIENT_ID and ds.StudyInstanceUID == STUDY_UID
        assert ds.SeriesInstanceUID != ct.series_uid
        assert ds.SOPInstanceUID not in ct.instance_uids
    assert seg.SeriesInstanceUID != sr.SeriesInstanceUID
    assert seg.FrameOfReferenceUID == ct.frame_of_reference_uid


@pytest.mark.parametrize("name", ["kypho-seg.dcm", "kypho-sr.dcm"])
def test_dciodvfy_finds_no_error(case: dict[str, Any], name: str) -> None:
    program = need_program("dciodvfy")
    done = subprocess.run([program, str(case["out"] / name)], capture_output=True, text=True)
    lines = (done.stdout + done.stderr).splitlines()
    assert lines and not [x for x in lines if x.startswith("Error")], "\n".join(lines)


def test_dcentvfy_finds_no_error_across_ct_seg_and_sr(case: dict[str, Any]) -> None:
    program = need_program("dcentvfy")
    files = [*sorted(case["ct"].iterdir()), *sorted(case["out"].iterdir())]
    done = subprocess.run([program, *map(str, files)], capture_output=True, text=True)
    errors = [x for x in (done.stdout + done.stderr).splitlines() if x.startswith("Error")]
    assert not errors, "\n".join(errors)


def test_dsrdump_names_tid_1500(case: dict[str, Any]) -> None:
    program = need_program("dsrdump")
    done = subprocess.run(
        [program, "+Pt", str(case["out"] / "kypho-sr.dcm")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Imaging Measurement Report" in done.stdout and "TID 1500 (DCMR)" in done.stdout
    assert done.stdout.count("TID 1411 (DCMR)") == len(SPECS)


def _groups(path: Path) -> dict[str, Any]:
    sr = hd.sr.srread(path)
    found = {}
    for group in sr.content.get_volumetric_roi_measurement_groups():
        (site,) = group.finding_sites
        found[site.value.value] = group
    return found


def test_sr_read_back_recovers_every_value(case: dict[str, Any], report: dict[str, Any]) -> None:
    groups = _groups(case["out"] / "kypho-sr.dcm")
    assert set(groups) == set(SNOMED.values())
    ct = read_series(case["ct"], pixels=False)
    seg = hd.seg.segread(case["out"] / "kypho-seg.dcm")
    segments = {
        n: seg.get_segment_description(n).segmented_property_type.value
        for n in seg.get_segment_numbers()
    }
    for level in report["levels"]:
        group = groups[SNOMED[level["level"]]]
        values = {m.name.value: m.value for m in group.get_measurements()}
        for code, key in SR_NAMES.items():
            if level[key] is None:
                assert code not in values
            else:
                assert values[code] == pytest.approx(level[key], abs=0.051), key
        low, high = level["height_loss_range_pct"]
        assert values["KY0005"] == pytest.approx(low, abs=0.051)
        assert values["KY0006"] == pytest.approx(high, abs=0.051)
        coded = {q.name.value: q.value for q in group.get_qualitative_evaluations()}
        assert coded["KY0010"].meaning == f"Genant grade {level['genant_grade']}"
        assert coded["KY0020"].value == {"none": "KY0021", "wedge": "KY0022"}[level["morphology"]]
        assert coded["KY0030"].meaning.lower() == level["quality"]
        texts = [
            item.TextValue
            for item in group[0].ContentSequence
            if item.ValueType == "TEXT" and item.ConceptNameCodeSequence[0].CodeValue == "KY0034"
        ]
        assert texts == level["quality_reasons"]  # each reason the quality is not good
        assert coded["KY0060"].value == "KY0063"  # no contrast attributes: unknown
        ref = group.referenced_segment
        assert ref.source_series_for_segmentation.value == ct.series_uid
        assert ref.referenced_sop_instance_uid == seg.SOPInstanceUID
        (number,) = ref.referenced_segment_numbers
        assert segments[number] == SNOMED[level["level"]]


def test_sr_heights_hold_the_phantom_truth(case: dict[str, Any]) -> None:
    groups = _groups(case["out"] / "kypho-sr.dcm")
    for spec in SPECS:
        values = {m.name.value: m.value for m in groups[SNOMED[spec.structure]].get_measurements()}
        doubt = values["KY0009"]
        assert abs(values["KY0001"] - spec.anterior_height_mm) <= doubt
        assert abs(values["KY0003"] - spec.posterior_height_mm) <= doubt
    l1 = {q.name.value: q.value.meaning for q in groups[SNOMED["L1"]].get_qualitative_evaluations()}
    assert l1["KY0020"] == "Wedge deformity"


def test_sr_carries_the_trabecular_hu_of_the_phantom(case: dict[str, Any]) -> None:
    # the phantom CT is BONE_HU (400) in every labelled voxel: mean and median are 400
    groups = _groups(case["out"] / "kypho-sr.dcm")
    for spec in SPECS:
        hu = {
            m.derivation.meaning: m.value
            for m in groups[SNOMED[spec.structure]].get_measurements()
            if m.name.value == "112031"  # DCM Attenuation Coefficient
        }
        assert hu == {"Mean": BONE_HU, "Median": BONE_HU}
        others = {m.name.value: m for m in groups[SNOMED[spec.structure]].get_measurements()}
        assert others["KY0040"].value > 0 and others["KY0040"].unit.value == "{voxels}"
        assert others["KY0041"].value == 5.0


def test_seg_reads_back_as_the_labels_measured(case: dict[str, Any]) -> None:
    ct = read_series(case["ct"], pixels=True)
    found = read_seg(case["out"] / "kypho-seg.dcm", ct)
    assert sorted(found.names.values()) == ["vertebrae_L1", "vertebrae_L2", "vertebrae_T12"]
    assert ct.hu is not None
    # the phantom CT is bone exactly where the phantom has labels
    assert np.array_equal(found.labels > 0, ct.hu > 200)
    by_name = {v: k for k, v in found.names.items()}
    expected = case["phantom"].labels[::-1, ::-1, :]  # the series flips rows and columns
    for level, label in TOTAL_IDS.items():
        if f"vertebrae_{level}" in by_name:
            assert np.array_equal(found.labels == by_name[f"vertebrae_{level}"], expected == label)


def test_measuring_from_the_seg_gives_the_same_levels(
    case: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "measure",
        "--ct",
        case["ct"],
        "--labels",
        case["out"] / "kypho-seg.dcm",
        "--format",
        "json",
    )
    assert code == 0, err
    _, nifti_out, _ = run(
        capsys, "measure", "--ct", case["ct"], "--labels", case["labels"], "--format", "json"
    )
    assert json.loads(out)["levels"] == json.loads(nifti_out)["levels"]


def _tampered(case: dict[str, Any], tmp_path: Path, change: Any) -> Path:
    seg = pydicom.dcmread(case["out"] / "kypho-seg.dcm")
    change(seg)
    seg.save_as(tmp_path / "other.dcm")
    return tmp_path / "other.dcm"


def test_a_seg_of_another_frame_of_reference_is_refused(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _tampered(case, tmp_path, lambda s: setattr(s, "FrameOfReferenceUID", "2.25.7"))
    code, _, err = run(capsys, "measure", "--ct", case["ct"], "--labels", other)
    assert code == 2 and "Frame of Reference UID (0020,0052)" in err and "other.dcm" in err


def test_a_seg_of_another_series_is_refused(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(seg: Any) -> None:
        seg.ReferencedSeriesSequence[0].SeriesInstanceUID = "2.25.8"

    code, _, err = run(
        capsys, "measure", "--ct", case["ct"], "--labels", _tampered(case, tmp_path, change)
    )
    assert code == 2 and "Referenced Series Sequence (0008,1115)" in err


def test_labels_off_the_ct_grid_are_refused(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import nibabel as nib

    image = nib.load(case["labels"])
    affine = image.affine.copy()
    affine[0, 3] += 0.5  # half a voxel to the right
    nib.save(nib.Nifti1Image(np.asarray(image.dataobj), affine), tmp_path / "shifted.nii.gz")
    code, _, err = run(
        capsys, "measure", "--ct", case["ct"], "--labels", tmp_path / "shifted.nii.gz"
    )
    assert code == 2 and "shifted.nii.gz" in err and "expected the CT's grid" in err


def test_a_ct_with_empty_uids_is_measured_but_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kypho_dicom_support import EXAMPLE_CT

    if not EXAMPLE_CT.is_dir() or not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared example absent: {EXAMPLE_CT}")
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run(
        capsys, "measure", "--ct", EXAMPLE_CT, "--labels", EXAMPLE_SEG_NIFTI, "--dicom-out", out
    )
    assert code == 2 and "StudyInstanceUID (0020,000D)" in err and "found none" in err
    assert list(out.iterdir()) == []


def test_the_shared_example_writes_valid_seg_and_sr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared segmentation absent: {EXAMPLE_SEG_NIFTI}")
    ct = example_series(tmp_path / "ct")
    out = tmp_path / "out"
    out.mkdir()
    image = tmp_path / "picture.png"
    code, text, err = run(
        capsys,
        "measure",
        "--ct",
        ct,
        "--labels",
        EXAMPLE_SEG_NIFTI,
        "--dicom-out",
        out,
        "--image",
        image,
    )
    assert code == 0, err
    assert "T11" in text and "T12" in text and image.stat().st_size > 0
    program = need_program("dciodvfy")
    for name in ("kypho-seg.dcm", "kypho-sr.dcm"):
        done = subprocess.run([program, str(out / name)], capture_output=True, text=True)
        assert not [x for x in done.stderr.splitlines() if x.startswith("Error")], done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--ct", "X"], "--ct: expected --labels"),
        (["--labels", "X"], "--labels: expected --ct DIR or --from-dicomweb"),
        (["--push", "--ct", "X", "--labels", "Y"], "--push: expected --from-dicomweb"),
        (["--from-dicomweb", "http://127.0.0.1:9"], "--study UID together"),
        (["--ct", "X", "--labels", "Y", "--dicom-out", "/nonexistent/h4"], "--dicom-out"),
    ],
)
def test_option_mistakes_are_one_message(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, _, err = run(capsys, "measure", *args)
    assert code == 2 and expected in err and "Traceback" not in err
