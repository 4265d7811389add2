"""``kypho measure --from-dicomweb URL --study UID [--push]`` against a real Orthanc."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import highdicom as hd
import pydicom
import pytest
from kypho_dicom_support import EXAMPLE_SEG_NIFTI, STUDY_UID, example_series
from kypho_orthanc import free_port, orthanc, series_of, upload

from kypho.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared segmentation absent: {EXAMPLE_SEG_NIFTI}")
    root = tmp_path_factory.mktemp("pacs")
    ct = example_series(root / "ct")
    with orthanc(root) as base:
        upload(base, sorted(ct.iterdir()))
        yield {"base": base, "web": f"{base}/dicom-web", "root": root, "ct": ct}


def test_pull_measure_push_and_read_back(
    pacs: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, text, err = run(
        capsys,
        "measure",
        "--from-dicomweb",
        pacs["web"],
        "--study",
        STUDY_UID,
        "--labels",
        EXAMPLE_SEG_NIFTI,
        "--push",
        "--dicom-out",
        out,
        "--format",
        "json",
    )
    assert code == 0, err
    levels = {lv["level"] for lv in json.loads(text)["levels"]}
    assert levels == {"T11", "T12"}
    stored = series_of(pacs["base"], STUDY_UID)
    assert len(stored["CT"]) == 20
    (seg_bytes,) = stored["SEG"]
    (sr_bytes,) = stored["SR"]
    local_seg = pydicom.dcmread(out / "kypho-seg.dcm")
    local_sr = pydicom.dcmread(out / "kypho-sr.dcm")
    seg = hd.seg.segread(io.BytesIO(seg_bytes))
    sr = hd.sr.srread(io.BytesIO(sr_bytes))
    assert seg.SOPInstanceUID == local_seg.SOPInstanceUID
    assert sr.SOPInstanceUID == local_sr.SOPInstanceUID
    assert seg.StudyInstanceUID == sr.StudyInstanceUID == STUDY_UID
    sites = {
        g.finding_sites[0].value.meaning for g in sr.content.get_volumetric_roi_measurement_groups()
    }
    assert sites == {"T11 vertebra", "T12 vertebra"}
    assert sorted(
        seg.get_segment_description(n).segment_label for n in seg.get_segment_numbers()
    ) == ["vertebrae_T11", "vertebrae_T12"]


def test_a_seg_in_the_pacs_is_used_when_no_labels_are_given(
    pacs: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # a SEG of the CT from "another maker": kypho's own SEG, re-labelled and re-identified
    out = tmp_path / "out"
    out.mkdir()
    code, local, err = run(
        capsys,
        "measure",
        "--ct",
        pacs["ct"],
        "--labels",
        EXAMPLE_SEG_NIFTI,
        "--dicom-out",
        out,
        "--format",
        "json",
    )
    assert code == 0, err
    seg = pydicom.dcmread(out / "kypho-seg.dcm")
    seg.Manufacturer = "TotalSegmentator"
    seg.SOPInstanceUID = seg.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    seg.SeriesInstanceUID = pydicom.uid.generate_uid()
    seg.save_as(tmp_path / "other-seg.dcm")
    upload(pacs["base"], [tmp_path / "other-seg.dcm"])
    code, pulled, err = run(
        capsys, "measure", "--from-dicomweb", pacs["web"], "--study", STUDY_UID, "--format", "json"
    )
    assert code == 0, err
    assert json.loads(pulled)["levels"] == json.loads(local)["levels"]


def test_a_pacs_that_is_down_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/dicom-web"  # nothing listens there
    code, _, err = run(
        capsys,
        "measure",
        "--from-dicomweb",
        url,
        "--study",
        STUDY_UID,
        "--labels",
        EXAMPLE_SEG_NIFTI,
    )
    assert code == 2 and url in err and "no answer" in err and "Traceback" not in err


def test_a_refusal_names_the_url_and_its_answer(
    pacs: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{pacs['base']}/no-such-root"
    code, _, err = run(
        capsys,
        "measure",
        "--from-dicomweb",
        url,
        "--study",
        STUDY_UID,
        "--labels",
        EXAMPLE_SEG_NIFTI,
    )
    assert code == 2 and url in err and "HTTP 404" in err


def test_an_unknown_study_is_named(
    pacs: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "measure",
        "--from-dicomweb",
        pacs["web"],
        "--study",
        "2.25.1234",
        "--labels",
        EXAMPLE_SEG_NIFTI,
    )
    assert code == 2 and "study 2.25.1234" in err and "found no series" in err


def test_instances_of_two_studies_are_not_pushed_at_all(pacs: dict[str, Any]) -> None:
    from kypho.errors import InvalidInput
    from kypho.interop.dicom.dicomweb import store

    before = series_of(pacs["base"], STUDY_UID)
    first = pydicom.dcmread(sorted(pacs["ct"].iterdir())[0])
    other = pydicom.dcmread(sorted(pacs["ct"].iterdir())[1])
    for ds in (first, other):
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
    other.StudyInstanceUID = "2.25.999"
    with pytest.raises(InvalidInput, match="expected instances of one study.*nothing sent"):
        store(pacs["web"], [first, other])
    after = series_of(pacs["base"], STUDY_UID)
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}


def test_a_partial_refusal_names_what_was_stored_and_what_was_refused(
    pacs: dict[str, Any],
) -> None:
    # Orthanc's own answer to a STOW-RS that it half accepts (one instance of another
    # study sent to this study's URL: 409, the other stored), read as kypho reports it.
    import requests

    from kypho.interop.dicom.dicomweb import _stow_answer, client

    kept = pydicom.dcmread(sorted(pacs["ct"].iterdir())[2])
    refused = pydicom.dcmread(sorted(pacs["ct"].iterdir())[3])
    for ds in (kept, refused):
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    refused.StudyInstanceUID = "2.25.998"
    with pytest.raises(requests.HTTPError) as caught:
        client(pacs["web"]).store_instances([kept, refused], study_instance_uid=STUDY_UID)
    message = _stow_answer(caught.value)
    assert message.startswith("HTTP 409")
    assert f"refused {refused.SOPInstanceUID}" in message
    assert f"it stored {kept.SOPInstanceUID}" in message
