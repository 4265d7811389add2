"""The measure workflow: arrays and files measured alike, studies added to cases."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from kypho.casefile import load_case
from kypho.domain.imaging import Modality
from kypho.domain.levels import Level
from kypho.errors import ImageGeometryError, InvalidInput
from kypho.imaging.layouts import Layout
from kypho.imaging.render import render_png
from kypho.morphometry.types import Quality, ReferenceMethod
from kypho.workflows.measure import (
    MeasuredStudy,
    add_study_to_case,
    compare_files,
    kyphosis_between,
    measure_file,
    measure_labels,
)
from phantoms import TOTAL_IDS, normal, spine, wall_wedge, write_nifti

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
CASE = EXAMPLES / "01-acute-l1-worsening-candidate.json"
SPECS = [
    normal("T12", 25.0),
    # Heights at the walls (the default stations): Ha 15, Hp 26 mm at the walls.
    wall_wedge("L1", anterior_wall_mm=15.0, posterior_wall_mm=26.0),
    normal("L2", 27.0),
]
DIAGONAL_MM = math.sqrt(3)  # 1 mm voxels: a mask places a surface within one diagonal


@pytest.fixture(scope="module")
def phantom():
    return spine(SPECS, label_ids=TOTAL_IDS)


@pytest.fixture(scope="module")
def study(phantom, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workflow") / "spine.nii.gz"
    write_nifti(phantom, path)
    return path


def test_labels_in_memory_measure_as_the_file_does(phantom, study: Path) -> None:
    from_array = measure_labels(phantom.labels, affine=phantom.affine)
    from_file = measure_file(study).spine
    # NIfTI stores the affine in float32: the same heights to well under a micrometre.
    for a, b in zip(from_array.levels, from_file.levels, strict=True):
        assert a.vertebra.heights_mm == pytest.approx(b.vertebra.heights_mm, abs=1e-4)
        assert (a.genant_grade_range, a.reference_from) == (b.genant_grade_range, b.reference_from)
    assert from_array.layout == from_file.layout == "total"
    l1 = from_array.get("L1").vertebra
    assert l1.anterior_height_mm == pytest.approx(15.0, abs=DIAGONAL_MM)
    assert l1.posterior_height_mm == pytest.approx(26.0, abs=DIAGONAL_MM)


def test_spacing_instead_of_affine_gives_the_same_heights(phantom) -> None:
    shifted = measure_labels(phantom.labels, spacing_mm=(1.0, 1.0, 1.0))
    placed = measure_labels(phantom.labels, affine=phantom.affine)
    for a, b in zip(shifted.levels, placed.levels, strict=True):
        assert a.vertebra.heights_mm == pytest.approx(b.vertebra.heights_mm, abs=1e-6)


def test_header_names_win_over_label_numbers_and_a_body_mask_is_used(phantom) -> None:
    ids = {name: k + 1 for k, name in enumerate(("T12", "L1", "L2"))}
    relabelled = np.zeros_like(phantom.labels)
    for name, k in ids.items():
        relabelled[phantom.labels == TOTAL_IDS[name]] = k
    names = {k: f"vertebrae_{name}" for name, k in ids.items()}
    # The bodies: every labelled voxel less than 16.5 mm behind the body centres (the
    # phantom's bodies are 32 mm deep, untilted, centred within 0.5 mm of y = 0).
    y_mm = phantom.affine[1, 1] * np.arange(relabelled.shape[1]) + phantom.affine[1, 3]
    body = (relabelled > 0) & (y_mm >= -16.5)[None, :, None]
    result = measure_labels(relabelled, affine=phantom.affine, header_names=names, body=body)
    assert [lv.structure for lv in result.levels] == ["T12", "L1", "L2"]
    assert result.get("L1").vertebra.anterior_height_mm == pytest.approx(15.0, abs=DIAGONAL_MM)


def test_whole_number_float_labels_and_a_forced_layout_are_accepted(phantom) -> None:
    result = measure_labels(
        phantom.labels.astype(np.float32), affine=phantom.affine, layout="total"
    )
    assert result.get("L2").quality is Quality.GOOD


def _labels(shape=(8, 8, 8), dtype=np.uint8) -> np.ndarray:
    data = np.zeros(shape, dtype)
    data[2:6, 2:6, 2:6] = TOTAL_IDS["L1"]
    return data


BAD_ARRAYS = {
    "2-D": (lambda: {"labels": np.zeros((4, 4), np.uint8), "spacing_mm": (1, 1, 1)}, "3-D"),
    "fractional labels": (
        lambda: {"labels": np.full((4, 4, 4), 1.5), "spacing_mm": (1, 1, 1)},
        "whole-number",
    ),
    "negative labels": (
        lambda: {"labels": -_labels(dtype=np.int16), "spacing_mm": (1, 1, 1)},
        "label values >= 0",
    ),
    "no geometry": (lambda: {"labels": _labels()}, "exactly one of affine or spacing_mm"),
    "both geometries": (
        lambda: {"labels": _labels(), "affine": np.eye(4), "spacing_mm": (1, 1, 1)},
        "exactly one of affine or spacing_mm",
    ),
    "two spacings": (lambda: {"labels": _labels(), "spacing_mm": (1, 1)}, "3 values (mm)"),
    "zero spacing": (lambda: {"labels": _labels(), "spacing_mm": (1, 0, 1)}, "spacing > 0 mm"),
    "3 x 3 affine": (lambda: {"labels": _labels(), "affine": np.eye(3)}, "4 x 4 affine"),
    "too many voxels": (
        lambda: {"labels": _labels(), "spacing_mm": (1, 1, 1), "max_voxels": 511},
        "512 voxels (8, 8, 8), above the limit of 511",
    ),
    "body of another shape": (
        lambda: {"labels": _labels(), "spacing_mm": (1, 1, 1), "body": np.ones((8, 8, 7))},
        "body: expected shape (8, 8, 8), found (8, 8, 7)",
    ),
    "a folder layout": (
        lambda: {"labels": _labels(), "spacing_mm": (1, 1, 1), "layout": Layout.TOTAL_FILES},
        "total-files is a folder",
    ),
    "an unknown layout": (
        lambda: {"labels": _labels(), "spacing_mm": (1, 1, 1), "layout": "nnunet"},
        "--layout: expected one of auto, total",
    ),
    "no vertebra labels": (
        lambda: {"labels": _labels() * 0 + 1, "spacing_mm": (1, 1, 1), "layout": "total"},
        "expected vertebra labels of layout total, found labels [1]",
    ),
    "empty": (lambda: {"labels": _labels() * 0, "spacing_mm": (1, 1, 1)}, "empty mask"),
}


@pytest.mark.parametrize("case", list(BAD_ARRAYS))
def test_bad_arrays_are_refused_naming_the_input(case: str) -> None:
    make, needle = BAD_ARRAYS[case]
    with pytest.raises(InvalidInput) as err:
        measure_labels(**make(), name="upload 7")
    assert needle in str(err.value)
    if case not in ("an unknown layout",):
        assert str(err.value).startswith("upload 7: ")


def test_file_limits_are_arguments(study: Path) -> None:
    with pytest.raises(ImageGeometryError, match="above the limit of 1,000"):
        measure_file(study, max_voxels=1000)
    with pytest.raises(
        ImageGeometryError,
        match=f"the file is {study.stat().st_size:,} bytes, above the limit of 1,000",
    ):
        measure_file(study, max_file_bytes=1000)
    with pytest.raises(ImageGeometryError, match="declares [0-9,]+ bytes .decompressed., above"):
        measure_file(study, max_file_bytes=study.stat().st_size)


def test_a_kept_image_draws_what_was_measured_without_the_file(phantom, tmp_path: Path) -> None:
    path = tmp_path / "gone.nii.gz"
    write_nifti(phantom, path)
    measured = measure_file(path, keep_image=True)
    path.unlink()  # whatever draws it now must not need the file
    assert measured.image is not None
    assert np.array_equal(measured.image.labels, phantom.labels)
    png = render_png(measured.spine, labels=measured.image.labels, geometry=measured.image.geometry)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert measure_file(_written(phantom, tmp_path / "kept.nii.gz")).image is None


def _written(phantom, path: Path) -> Path:
    write_nifti(phantom, path)
    return path


def test_a_folder_of_level_files_keeps_no_image(tmp_path: Path) -> None:
    one = spine([normal("L1", 26.0)], label_ids={"L1": 1})
    write_nifti(one, tmp_path / "vertebrae_L1.nii.gz")
    measured = measure_file(tmp_path, keep_image=True)
    assert measured.image is None and measured.spine.layout == "total-files"
    assert measured.spine.get("L1").reference_method is ReferenceMethod.OWN_POSTERIOR


def test_landmarks_are_measured_from_json(tmp_path: Path) -> None:
    points = {
        "superior_anterior": [20, 20],
        "superior_middle": [5, 21],
        "superior_posterior": [-10, 22],
        "inferior_anterior": [20, 0],
        "inferior_middle": [5, 0],
        "inferior_posterior": [-10, 0],
    }
    doc = {"format": "kypho-landmarks/1", "frame": "AS", "levels": {"L1": points}}
    path = tmp_path / "points.json"
    path.write_text(json.dumps(doc))
    measured = measure_file(path, keep_image=True)
    assert measured.image is None
    lv = measured.spine.get("L1")
    # By hand: Ha 20, Hp 22 mm, no neighbour: 1 - 20/22 = 9.1 %, grade 0 (range 0 to 3).
    assert lv.height_loss_pct == pytest.approx(9.09, abs=0.01)
    assert (lv.genant_grade, lv.genant_grade_range) == (0, (0, 3))


def test_compare_files_and_kyphosis_spans(study: Path, tmp_path: Path) -> None:
    later = tmp_path / "later.nii.gz"
    specs = [SPECS[0], wall_wedge("L1", anterior_wall_mm=9.0, posterior_wall_mm=26.0), SPECS[2]]
    write_nifti(spine(specs, label_ids=TOTAL_IDS), later)
    changes = {c.structure: c.progression for c in compare_files(study, later)}
    assert changes == {"T12": False, "L1": True, "L2": False}
    spine_ = measure_file(study).spine
    ((upper, lower, cobb),) = kyphosis_between(spine_, ["t12:l2"])
    assert (upper, lower, cobb.source) == ("T12", "L2", "endplate planes")
    with pytest.raises(InvalidInput, match="cobb T12:L4: expected two measured levels"):
        kyphosis_between(spine_, ["T12:L4"])


def test_add_study_to_case_appends_a_copy_and_leaves_the_case_alone(study: Path) -> None:
    case = load_case(CASE)
    measured = measure_file(study)
    new = add_study_to_case(case, measured, study_date=date(2026, 11, 20), study_id="CT-9")
    assert new.imaging[:-1] == case.imaging and len(case.imaging) == len(new.imaging) - 1
    ct = new.imaging[-1]
    assert (ct.modality, ct.study_id, ct.study_date) == (
        Modality.CT,
        "CT-9",
        date(2026, 11, 20),
    )
    l1 = ct.finding(Level.L1)
    assert l1.anterior_height_mm == pytest.approx(15.0, abs=DIAGONAL_MM)
    assert "height loss against neighbours T12, L2" in l1.source
    same = add_study_to_case(case, measured.spine, study_date=date(2026, 11, 20), study_id="CT-9")
    assert same == new  # a spine or a measured study alike
    with pytest.raises(InvalidInput, match="found 'MR-1' there"):
        add_study_to_case(case, measured, study_date=date(2026, 11, 20), study_id="MR-1")


def test_a_level_without_neighbours_reaches_the_case_with_its_open_range(tmp_path) -> None:
    one = spine([normal("L1", 26.0)], label_ids=TOTAL_IDS)
    measured = MeasuredStudy(spine=measure_labels(one.labels, affine=one.affine))
    case = add_study_to_case(load_case(CASE), measured, study_date=date(2026, 11, 20))
    l1 = case.imaging[-1].finding(Level.L1)
    assert l1.height_loss_max_pct == 100.0  # a crush cannot be excluded
    assert "own posterior height (no intact neighbour in view)" in l1.source


def test_threads_measure_independently(phantom) -> None:
    # No global state: measuring two different spines at once gives what each gives alone.
    other = spine([normal("L1", 22.0), normal("L2", 24.0)], label_ids=TOTAL_IDS)
    inputs = [(phantom.labels, phantom.affine), (other.labels, other.affine)] * 2
    alone = [measure_labels(x, affine=a) for x, a in inputs[:2]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda xa: measure_labels(xa[0], affine=xa[1]), inputs))
    assert together == alone * 2


def test_the_landmarks_size_limit_is_an_argument_checked_before_reading(tmp_path: Path) -> None:
    points = {"superior_anterior": [20, 20], "superior_middle": [5, 21],
              "superior_posterior": [-10, 22], "inferior_anterior": [20, 0],
              "inferior_middle": [5, 0], "inferior_posterior": [-10, 0]}  # fmt: skip
    path = tmp_path / "points.json"
    path.write_text(json.dumps({"format": "kypho-landmarks/1", "frame": "AS",
                                "levels": {"L1": points}}))  # fmt: skip
    size = path.stat().st_size
    assert measure_file(path, max_landmarks_file_bytes=size).spine.get("L1") is not None
    with pytest.raises(InvalidInput, match=f"at most {size - 1:,} bytes, found {size:,}"):
        measure_file(path, max_landmarks_file_bytes=size - 1)
