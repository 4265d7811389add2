"""Meshes from masks: closed, bounded, in the patient's geometry, heights as measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from education.kypho_education_support import segment, station_heights
from kypho.education.anatomy import body_frame, pedicles
from kypho.education.mesh import MAX_TRIANGLES_PER_VERTEBRA, vertebra_mesh
from kypho.errors import InvalidInput
from kypho.imaging.nifti import load_labels
from kypho.workflows.educate import MODEL_STATIONS  # 15/50/85 %: inside the walls
from kypho.workflows.measure import measure_labels
from phantoms import TOTAL_IDS, biconcave, crush, normal, reorient, wedge

SHAPES = {
    "normal": normal("L1"),
    "wedge": wedge("L1", anterior_height_mm=15.0),
    "biconcave": biconcave("L1", middle_height_mm=16.0),
    "crush": crush("L1", height_mm=14.0),
}
GRIDS = {
    "upright 1 mm": {"tilts_deg": [0.0, 0.0, 0.0]},
    "tilted, 0.8 x 1 x 1.25 mm": {"tilts_deg": [8.0, 15.0, 22.0], "spacing_mm": (0.8, 1.0, 1.25)},
}


CASES = [(shape, "tilted, 0.8 x 1 x 1.25 mm") for shape in SHAPES] + [("biconcave", "upright 1 mm")]


@pytest.mark.parametrize(("shape", "grid"), CASES)
def test_mesh_is_closed_bounded_and_as_tall_as_measured(shape: str, grid: str) -> None:
    phantom = segment(SHAPES[shape], **GRIDS[grid])
    level = measure_labels(phantom.labels, affine=phantom.affine, stations=MODEL_STATIONS).get("L1")
    mesh = vertebra_mesh(phantom.labels == TOTAL_IDS["L1"], phantom.affine, structure="L1")
    surface = trimesh.Trimesh(mesh.vertices, mesh.faces)
    assert surface.is_watertight
    assert surface.volume > 0  # faces point outwards
    assert mesh.triangles <= MAX_TRIANGLES_PER_VERTEBRA
    voxel_mm = max(GRIDS[grid].get("spacing_mm", (1.0, 1.0, 1.0)))
    # A biconcave phantom's dip starts at the anterior and posterior stations: one line
    # there crosses the voxel step where the height drops (the mesh follows the voxels),
    # while the morphometry reads the rim over a window. Half a voxel more is allowed
    # there, and only there.
    allowed = voxel_mm * (np.array([1.5, 1.0, 1.5]) if shape == "biconcave" else 1.0)
    found = station_heights(mesh, body_frame(level))
    assert np.all(np.abs(found - np.array(level.vertebra.heights_mm)) <= allowed)
    truth = np.array(SHAPES[shape].heights_mm)  # at the 15/50/85 % stations
    assert np.all(np.abs(found - truth) <= allowed)


def test_a_mirrored_grid_gives_the_same_surface_in_mm() -> None:
    phantom = segment(SHAPES["wedge"])
    flipped = reorient(phantom, order=(2, 0, 1), flips=(True, False, True))
    a = vertebra_mesh(phantom.labels == TOTAL_IDS["L1"], phantom.affine, structure="L1")
    b = vertebra_mesh(flipped.labels == TOTAL_IDS["L1"], flipped.affine, structure="L1")
    assert trimesh.Trimesh(b.vertices, b.faces).volume > 0
    assert a.vertices.min(axis=0) == pytest.approx(b.vertices.min(axis=0), abs=0.5)
    assert a.vertices.max(axis=0) == pytest.approx(b.vertices.max(axis=0), abs=0.5)


def test_a_smaller_budget_is_kept_and_the_mesh_stays_closed() -> None:
    phantom = segment(SHAPES["crush"])
    mesh = vertebra_mesh(
        phantom.labels == TOTAL_IDS["L1"], phantom.affine, structure="L1", max_triangles=1500
    )
    assert mesh.triangles <= 1500
    assert trimesh.Trimesh(mesh.vertices, mesh.faces).is_watertight


def test_pedicles_are_found_each_side_where_the_phantom_has_them() -> None:
    phantom = segment(SHAPES["wedge"])  # upright: lateral is -x, the pedicles 14 mm out
    level = measure_labels(phantom.labels, affine=phantom.affine, stations=MODEL_STATIONS).get("L1")
    frame = body_frame(level)
    right, left = pedicles(phantom.labels == TOTAL_IDS["L1"], phantom.affine, frame)
    assert right is not None and left is not None
    centre_x = phantom.centres_mm[1][0]
    assert right[0] - centre_x == pytest.approx(14.0, abs=1.5)  # RAS+: the right is +x
    assert left[0] - centre_x == pytest.approx(-14.0, abs=1.5)
    behind_wall = frame.local(np.stack([right, left]))[:, 0] - frame.posterior_wall_u_mm
    assert np.all((behind_wall < 0) & (behind_wall > -10))


def test_a_side_without_pedicle_voxels_is_none_not_a_guess() -> None:
    phantom = segment(SHAPES["normal"])
    level = measure_labels(phantom.labels, affine=phantom.affine, stations=MODEL_STATIONS).get("L1")
    frame = body_frame(level)
    mask = phantom.labels == TOTAL_IDS["L1"]
    ijk = np.argwhere(mask)
    x_mm = ijk[:, 0] * phantom.affine[0, 0] + phantom.affine[0, 3]
    left_half = ijk[x_mm < phantom.centres_mm[1][0] - 4]
    mask[tuple(left_half.T)] = False  # the patient's left removed from the mask
    right, left = pedicles(mask, phantom.affine, frame)
    assert right is not None and left is None


def test_an_empty_mask_is_refused_naming_the_level() -> None:
    with pytest.raises(InvalidInput, match="L1: expected labelled voxels"):
        vertebra_mesh(np.zeros((8, 8, 8), bool), np.eye(4), structure="L1")


REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "totalsegmentator"
REAL_LABELS = REAL / "spine_report" / "example_ct_report" / "totalseg.nii.gz"


@pytest.mark.skipif(not REAL_LABELS.is_file(), reason="shared TotalSegmentator data absent")
def test_a_real_segmentation_gives_closed_meshes_as_tall_as_measured() -> None:
    """TotalSegmentator's test CT (3 mm voxels, public): L1 and its neighbours."""
    image = load_labels(REAL_LABELS)
    spine = measure_labels(image.labels, affine=image.geometry.affine,
                           header_names=image.header_names, stations=MODEL_STATIONS)  # fmt: skip
    for structure in ("T12", "L1", "L2"):
        mask = image.labels == TOTAL_IDS[structure]
        mesh = vertebra_mesh(mask, image.geometry.affine, structure=structure)
        assert trimesh.Trimesh(mesh.vertices, mesh.faces).is_watertight
        level = spine.get(structure)
        found = station_heights(mesh, body_frame(level))
        assert np.all(np.abs(found - np.array(level.vertebra.heights_mm)) <= 3.0)  # one voxel
