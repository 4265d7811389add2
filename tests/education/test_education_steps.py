"""The procedure on phantoms of each fracture type: what is lifted, aimed and filled.

Each bound comes from outside the code: the phantoms' heights (26 mm before the
fracture) and the largest mean gain trials report (2.1 mm, clinical-reference 3.4).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from education.kypho_education_support import (
    LARGEST_REPORTED_GAIN_MM,
    NEIGHBOUR_HEIGHT_MM,
    ON,
    as_image,
    case_l1,
    practice,
    segment,
    station_heights,
)
from kypho.education.steps import FRAMES_PER_MOVING_STEP, STEP_KEYS, build_steps
from kypho.workflows.educate import prepare_education
from phantoms import biconcave, crush, normal, wedge

SHAPES = {
    "normal": normal("L1"),
    "wedge": wedge("L1", anterior_height_mm=15.0),
    "biconcave": biconcave("L1", middle_height_mm=16.0),
    "crush": crush("L1", height_mm=14.0),
}
VOXEL_MM = 1.0


_MADE: dict[str, object] = {}  # one prepared procedure per shape, for the whole module


def prepared_for(shape: str, factory: pytest.TempPathFactory):  # noqa: ANN201
    if shape not in _MADE:
        image = as_image(segment(SHAPES[shape], tilts_deg=[0.0, 6.0, 12.0]), factory.mktemp(shape))
        _MADE[shape] = prepare_education(case_l1(), practice(), on=ON, mask=image)
    return _MADE[shape]


@pytest.fixture(params=list(SHAPES))
def prepared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return request.param, prepared_for(request.param, tmp_path_factory)


def _fractured(scene):
    return next(p.mesh for p in scene if p.role == "fractured")


def test_five_steps_in_order_with_the_moving_ones_in_frames(prepared) -> None:
    _, made = prepared
    steps = made.procedure.steps
    assert tuple(s.key for s in steps) == STEP_KEYS
    assert [len(s.frames) for s in steps] == [1, FRAMES_PER_MOVING_STEP, FRAMES_PER_MOVING_STEP,
                                              FRAMES_PER_MOVING_STEP, 1]  # fmt: skip


def test_the_lift_stays_within_what_trials_report_and_below_the_old_height(prepared) -> None:
    shape, made = prepared
    frame, steps = made.frame, made.procedure.steps
    start = station_heights(_fractured(steps[0].frames[0]), frame)
    after = station_heights(_fractured(steps[-1].frames[0]), frame)
    gain = after - start
    assert np.all(gain >= -0.05)
    assert np.all(gain <= LARGEST_REPORTED_GAIN_MM + 0.1)
    assert np.all(after <= NEIGHBOUR_HEIGHT_MM + VOXEL_MM)
    collapsed = np.array(SHAPES[shape].heights_mm) < NEIGHBOUR_HEIGHT_MM - 3
    assert np.all(after[collapsed] < NEIGHBOUR_HEIGHT_MM - 3)  # never shown restored
    if shape == "normal":
        assert gain.max() <= VOXEL_MM  # nothing lost, nothing visibly lifted
    else:
        assert gain[collapsed].min() >= 0.5  # a collapsed station is lifted, a little


@pytest.mark.parametrize("shape", ["wedge", "biconcave", "crush"])
def test_the_lift_grows_through_the_balloon_step(shape: str, tmp_path_factory) -> None:
    made = prepared_for(shape, tmp_path_factory)
    middles = [station_heights(_fractured(scene), made.frame)[1]
               for scene in made.procedure.steps[2].frames]  # fmt: skip
    assert np.all(np.diff(middles) > 0)


def test_the_cement_shown_is_the_planned_volume(prepared) -> None:
    _, made = prepared
    low, high = made.plan.cement.volume_low_ml, made.plan.cement.volume_high_ml
    blobs = [p.mesh for p in made.procedure.steps[-1].frames[0] if p.role == "cement"]
    assert len(blobs) == 2  # bipedicular: one each side
    volume_ml = sum(trimesh.Trimesh(b.vertices, b.faces).volume for b in blobs) / 1000
    assert volume_ml == pytest.approx((low + high) / 2, rel=0.05)  # icosphere, not sphere


def test_needles_run_through_the_pedicles_into_the_body(prepared) -> None:
    _, made = prepared
    frame = made.frame
    needles = [p.mesh for p in made.procedure.steps[1].frames[-1] if p.role == "needle"]
    assert len(needles) == 2
    for needle, pedicle in zip(needles, made.model.pedicles, strict=True):
        local = frame.local(needle.vertices)
        tip = local[np.argmax(local[:, 0])]
        assert frame.posterior_wall_u_mm < tip[0] < frame.station_u_mm[0]  # inside the body
        ped = frame.local(pedicle[None, :])[0]
        assert np.sign(tip[1]) == np.sign(ped[1])  # each needle stays on its own side
        # the needle's axis passes through the pedicle centroid (within its radius + 1 mm)
        axis = needle.vertices.mean(axis=0)
        direction = np.linalg.svd(needle.vertices - axis)[2][0]
        offset = pedicle - axis
        assert np.linalg.norm(offset - offset.dot(direction) * direction) < 2.5


def test_a_unipedicular_plan_shows_one_needle_to_the_midline(tmp_path_factory) -> None:
    model = prepared_for("wedge", tmp_path_factory).model
    steps = build_steps(bones=model.bones, fractured=model.fractured.mesh, frame=model.frame,
                        pedicles=model.pedicles[:1], bipedicular=False, cement_ml=3.0,
                        gains_mm=(1.5, 2.1, 0.9))  # fmt: skip
    needles = [p for p in steps[1].frames[-1] if p.role == "needle"]
    cement = [p for p in steps[-1].frames[0] if p.role == "cement"]
    assert len(needles) == 1 and len(cement) == 1
    local = model.frame.local(needles[0].mesh.vertices)
    assert abs(local[np.argmax(local[:, 0]), 1]) < 2.0  # the tip reaches the midline


def test_without_a_mask_a_standard_vertebra_is_shown_and_says_so(tmp_path) -> None:
    from kypho.domain.levels import Level
    from kypho.education.standard import standard_size_mm

    made = prepare_education(case_l1(), practice(), on=ON)
    assert made.procedure.standard
    # EX-01 reports 30 % height loss at L1 and no heights: the standard lumbar height, 30 % less
    expected = standard_size_mm(Level.L1)[2] * 0.70
    assert made.procedure.heights_before_mm == pytest.approx((expected,) * 3, abs=VOXEL_MM)
    assert "30 %" in made.procedure.sized_by


def test_measured_heights_in_the_case_size_the_standard_vertebra() -> None:
    case = case_l1()
    study = case.imaging[0]
    finding = dataclasses.replace(study.findings[0], anterior_height_mm=16.0,
                                  middle_height_mm=20.0, posterior_height_mm=25.0)  # fmt: skip
    case = dataclasses.replace(case, imaging=(dataclasses.replace(study, findings=(finding,)),))
    made = prepare_education(case, practice(), on=ON)
    assert made.procedure.heights_before_mm == pytest.approx((16.0, 20.0, 25.0), abs=VOXEL_MM)
    assert "heights measured" in made.procedure.sized_by
