"""Bone density from a DICOM CT: contrast phase, JSON, the SR's flag and the case finding.

Phantom CTs whose labelled voxels are all one known HU (105 and 165: either side of
Pickhardt's 110 and 160 HU), so every trabecular mean is that number. L1 is a wedge
(grade >= 1): its compacted bone must not be screened, so T12/L2 is, and says why.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import highdicom as hd
import pytest
from kypho_dicom_support import need_program, phantom_series
from pydicom.dataset import Dataset

from kypho.casefile import dump_case, parse_case
from kypho.domain import Case
from kypho.domain.imaging import BoneDensityFlag, ContrastPhase, Modality
from kypho.interop.dicom.contrast import contrast_phase
from kypho.morphometry.report import spine_dict, spine_table
from kypho.morphometry.to_case import study_from_measurement
from kypho.workflows.measure_dicom import dicom_files, dicom_results, measure_ct
from phantoms import TOTAL_IDS, normal, spine, wedge, write_nifti

SPECS = [
    normal("T12", 25.0),
    wedge("L1", anterior_height_mm=15.0, posterior_height_mm=26.0),
    normal("L2", 27.0),
]
SNOMED = {"T12": "23215003", "L1": "66794005", "L2": "14293000"}  # CID 7603, from PS3.16
PHANTOMS = {
    "low": (105, {"ContrastBolusAgent": "IOMERON 350", "SeriesDescription": "ABD"}),
    "high": (165, {"SeriesDescription": "Abdomen non-contrast 1.0"}),
}


def _slice(**values: str) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    ("values", "phase", "said"),
    [
        ({"ContrastBolusAgent": "OMNIPAQUE 300"}, "contrast", "(0018,0010)"),
        ({"ContrastBolusAgent": "NONE"}, "non_contrast", "(0018,0010)"),
        ({"ContrastBolusAgent": "", "ContrastBolusRoute": "IV"}, "contrast", "(0018,1040)"),
        ({"ContrastBolusStartTime": "101500"}, "contrast", "(0018,1042)"),
        # the agent says none: the description's words do not outweigh it
        ({"ContrastBolusAgent": "NONE", "SeriesDescription": "arterial"}, "non_contrast", ""),
        ({"SeriesDescription": "ABD PV 1.0 B30f"}, "contrast", "weaker hint"),
        ({"SeriesDescription": "Thorax nativ 2.0"}, "non_contrast", "weaker hint"),
        ({"SeriesDescription": "non contrast, then arterial"}, "unknown", "for and against"),
        ({"ContrastBolusAgent": "", "SeriesDescription": "Abdomen 1.0"}, "unknown", ""),
        ({}, "unknown", "no Contrast/Bolus attributes"),
    ],
)
def test_contrast_phase_from_the_headers_then_the_description(
    values: dict[str, str], phase: str, said: str
) -> None:
    found = contrast_phase([_slice(**values)])
    assert found.phase == phase
    assert said in found.evidence
    if phase == "contrast":
        assert "phase not read" in found.evidence


@pytest.fixture(scope="module", params=sorted(PHANTOMS))
def measured(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    bone_hu, headers = PHANTOMS[request.param]
    root = tmp_path_factory.mktemp(f"density-{request.param}")
    phantom = spine(SPECS, spacing_mm=(1.0, 1.0, 2.0), label_ids=TOTAL_IDS)
    ct = phantom_series(phantom.labels, phantom.affine, root / "ct", bone_hu=bone_hu,
                        headers=headers)  # fmt: skip
    labels = root / "labels.nii.gz"
    write_nifti(phantom, labels)
    found = measure_ct(ct, labels, density=True, stations="ts-15-50-85")
    out = root / "out"
    out.mkdir()
    for path, data in dicom_files(out, *dicom_results(found)).items():
        path.write_bytes(data)
    return {"hu": bone_hu, "name": request.param, "measured": found, "out": out}


def test_every_level_has_the_phantoms_hu_and_l1_is_not_screened(measured: Any) -> None:
    density = measured["measured"].density
    assert {d.structure: d.mean_hu for d in density.levels} == {
        "T12": measured["hu"], "L1": measured["hu"], "L2": measured["hu"]
    }  # fmt: skip
    assert all(d.median_hu == measured["hu"] and d.voxel_count > 0 for d in density.levels)
    screen = density.screen
    assert screen.structure in ("T12", "L2")  # nearest to L1; L1 is fractured
    assert "L1: Genant grade" in screen.reason and "not a diagnosis" in screen.reason


def test_json_reports_each_level_the_screen_and_the_contrast(measured: Any) -> None:
    found = measured["measured"]
    data = json.loads(json.dumps(spine_dict(found.spine, density=found.density)))
    block = data["bone_density"]
    assert [row["mean_hu"] for row in block["levels"]] == [measured["hu"]] * 3
    expected = "at_or_below_110_hu" if measured["hu"] == 105 else "above_160_hu"
    assert block["screen"]["flag"] == expected
    assert block["screen"]["refer_for_dxa"] is (measured["hu"] == 105)
    phase = "contrast" if measured["name"] == "low" else "non_contrast"
    assert block["contrast_phase"] == phase
    assert "Pickhardt 2013" in block["thresholds"] and "not a diagnosis" in block["disclaimer"]
    notes = spine_table(found.spine, density=found.density).splitlines()[-2]
    words = {"contrast": "IV contrast given, phase not known", "non_contrast": "no IV contrast"}
    assert f"mean {measured['hu']} HU" in notes and f"; {words[phase]} (" in notes


def _groups(path: Path) -> dict[str, Any]:
    sr = hd.sr.srread(path)
    return {
        group.finding_sites[0].value.value: group
        for group in sr.content.get_volumetric_roi_measurement_groups()
    }


def _texts(group: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in group[0].ContentSequence:
        if item.ValueType == "TEXT":
            code = item.ConceptNameCodeSequence[0].CodeValue
            found.setdefault(code, []).append(item.TextValue)
    return found


def test_sr_carries_the_flag_on_the_screened_level_and_the_contrast_on_each(
    measured: Any,
) -> None:
    groups = _groups(measured["out"] / "kypho-sr.dcm")
    screened = measured["measured"].density.screen.structure
    phase_code = "KY0062" if measured["name"] == "low" else "KY0061"
    flag_code = "KY0051" if measured["hu"] == 105 else "KY0053"
    for level, code in SNOMED.items():
        coded = {q.name.value: q.value.value for q in groups[code].get_qualitative_evaluations()}
        assert coded["KY0060"] == phase_code
        texts = _texts(groups[code])
        if level == screened:
            assert coded["KY0050"] == flag_code
            assert "L1: Genant grade" in texts["KY0054"][0]
            assert "(0018,0010)" in texts["KY0064"][0] or "(0008,103E)" in texts["KY0064"][0]
        else:
            assert "KY0050" not in coded and "KY0054" not in texts


def test_the_sr_with_density_passes_dciodvfy_and_dsrdump(measured: Any) -> None:
    path = measured["out"] / "kypho-sr.dcm"
    done = subprocess.run([need_program("dciodvfy"), str(path)], capture_output=True, text=True)
    lines = (done.stdout + done.stderr).splitlines()
    assert not [x for x in lines if x.startswith("Error")], "\n".join(lines)
    dump = subprocess.run([need_program("dsrdump"), "+Pt", str(path)], capture_output=True,
                          text=True)  # fmt: skip
    assert dump.returncode == 0 and "TID 1500 (DCMR)" in dump.stdout
    assert "Trabecular attenuation" in dump.stdout and "Intravenous contrast" in dump.stdout


def test_the_screen_becomes_the_cases_bone_density_and_survives_the_file(
    measured: Any,
) -> None:
    found = measured["measured"]
    study = study_from_measurement(
        found.spine, study_date=date(2026, 3, 1), study_id="S9",
        density=found.density,
    )  # fmt: skip
    density = study.bone_density
    assert density is not None and density.level == found.density.screen.structure
    assert density.mean_hu == measured["hu"] and density.median_hu == measured["hu"]
    low = measured["hu"] == 105
    assert density.flag is (
        BoneDensityFlag.AT_OR_BELOW_110_HU if low else BoneDensityFlag.ABOVE_160_HU
    )
    assert density.contrast_phase is (
        ContrastPhase.CONTRAST if measured["name"] == "low" else ContrastPhase.NON_CONTRAST
    )
    assert "cortex and endplates excluded" in (density.roi or "")
    assert "study S9" in (density.source or "") and "L1: Genant grade" in (density.source or "")
    again = parse_case(dump_case(Case(case_id="c", imaging=(study,))))
    assert again.imaging is not None and again.imaging[0].bone_density == density


def test_a_study_that_is_not_ct_gets_no_bone_density(measured: Any) -> None:
    found = measured["measured"]
    study = study_from_measurement(
        found.spine, study_date=date(2026, 3, 1), modality=Modality.MRI,
        density=found.density,
    )  # fmt: skip
    assert study.bone_density is None
