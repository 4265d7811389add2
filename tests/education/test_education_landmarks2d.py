"""The side view drawn from landmarks: heights, lift, needles and cement against known answers.

The landmarks are written by hand (``kypho_education_support.box_as``): T12 and L2 of
26 mm, L1 a wedge of 15/20/26 mm, 30 mm deep. Every bound comes from outside the code:
those heights, the largest mean gain trials report (2.1 mm, clinical-reference 3.4) and
the ellipse area pi * a * c of the cement's section, worked out here by hand.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from education.kypho_education_support import (
    LARGEST_REPORTED_GAIN_MM,
    NEIGHBOUR_HEIGHT_MM,
    ON,
    WEDGE_L1_MM,
    case_l1,
    landmark_levels,
    practice,
    tilted_lps,
    write_landmarks,
)
from kypho.education.captions import SIDE_VIEW_TUBE, SIDE_VIEW_TWO_TUBES, SideView, captions
from kypho.education.page2d import LABEL, svg
from kypho.education.sideview import LandmarkFile, side_model
from kypho.education.steps2d import ELLIPSE_POINTS, Shape, polygon_area_mm2
from kypho.imaging.landmarks import load_landmarks
from kypho.workflows.educate import educate_case

DRAWN_TOLERANCE_MM = 0.5  # the brief: drawn heights within 0.5 mm of the landmarks'
CEMENT_ML = 5.25  # EX-01's plan: 4.5-6.0 mL, the middle shown


def _source(tmp_path: Path, levels: dict[str, object], frame: str = "AS") -> LandmarkFile:
    path = write_landmarks(tmp_path / "landmarks.json", levels, frame)
    return LandmarkFile(path=path, spine=load_landmarks(path))


def _model(tmp_path: Path, approach: str = "bipedicular", **kw: object):  # noqa: ANN202
    levels = landmark_levels(**kw)  # type: ignore[arg-type]
    return side_model(_source(tmp_path, levels), "L1", approach=approach, cement_ml=CEMENT_ML)


def _shapes(scene: tuple[Shape, ...], role: str) -> list[Shape]:
    return [s for s in scene if s.role == role]


def _heights(shape: Shape) -> np.ndarray:
    p = shape.points
    return np.array([np.linalg.norm(p[s] - p[i]) for s, i in ((0, 5), (1, 4), (2, 3))])


@pytest.mark.parametrize("frame", ["AS", "LPS tilted 20 deg at x 7 mm"])
def test_the_drawn_bodies_have_the_landmark_heights(tmp_path: Path, frame: str) -> None:
    levels = landmark_levels()
    if frame != "AS":
        levels = tilted_lps(levels, tilt_deg=20.0, x_mm=7.0)  # type: ignore[arg-type]
    source = _source(tmp_path, levels, "AS" if frame == "AS" else "LPS")
    made = side_model(source, "L1", approach="bipedicular", cement_ml=CEMENT_ML)
    start = made.procedure.steps[0].frames[0]
    (fractured,) = _shapes(start, "fractured")
    assert _heights(fractured) == pytest.approx(WEDGE_L1_MM, abs=DRAWN_TOLERANCE_MM)
    for bone in _shapes(start, "bone"):
        assert _heights(bone) == pytest.approx((NEIGHBOUR_HEIGHT_MM,) * 3, abs=DRAWN_TOLERANCE_MM)
    assert [s.label for s in start] == ["T12", "L2", "L1"]


def test_the_page_draws_the_same_heights_in_mm(tmp_path: Path) -> None:
    """The SVG's own polygon coordinates (mm) measured, not the model's arrays."""
    page = svg(_model(tmp_path).procedure)
    first = page.split('<g class="frame"')[1]
    found = re.search(r'<polygon class="fractured" points="([^"]+)"', first)
    assert found is not None
    pts = np.array([[float(v) for v in xy.split(",")] for xy in found.group(1).split()])
    heights = [np.linalg.norm(pts[s] - pts[i]) for s, i in ((0, 5), (1, 4), (2, 3))]
    assert heights == pytest.approx(WEDGE_L1_MM, abs=DRAWN_TOLERANCE_MM)
    assert pts[0, 0] < pts[2, 0]  # the front (superior anterior) to the viewer's left
    assert f'aria-label="{LABEL}"' in page


def test_the_lift_stays_within_what_trials_report_and_below_the_old_height(tmp_path) -> None:
    made = _model(tmp_path)
    steps = made.procedure.steps
    before = _heights(_shapes(steps[0].frames[0], "fractured")[0])
    after = _heights(_shapes(steps[-1].frames[0], "fractured")[0])
    gain = after - before
    assert np.all(gain >= -1e-9)
    assert np.all(gain <= LARGEST_REPORTED_GAIN_MM + 1e-9)
    assert np.all(after <= NEIGHBOUR_HEIGHT_MM + 1e-9)  # never above the height before
    assert gain[0] == pytest.approx(1.5, abs=0.01)  # anterior: the trial's mean gain
    assert gain[1] == pytest.approx(2.1, abs=0.01)  # middle
    assert gain[2] == pytest.approx(0.0, abs=0.01)  # posterior: already 26 mm, not lifted
    assert after[0] < NEIGHBOUR_HEIGHT_MM - 3  # the wedge is never shown restored


def test_a_lift_is_capped_at_the_height_before_the_fracture(tmp_path: Path) -> None:
    made = _model(tmp_path, l1_mm=(25.0, 25.5, 26.0))  # 1.0 and 0.5 mm below 26 mm
    before = made.procedure.heights_before_mm
    after = made.procedure.heights_after_mm
    assert np.subtract(after, before) == pytest.approx((1.0, 0.5, 0.0), abs=1e-6)
    drawn = _heights(_shapes(made.procedure.steps[-1].frames[0], "fractured")[0])
    assert drawn == pytest.approx((26.0, 26.0, 26.0), abs=1e-6)


def test_a_normal_vertebra_is_not_lifted(tmp_path: Path) -> None:
    made = _model(tmp_path, l1_mm=(26.0, 26.0, 26.0))
    steps = made.procedure.steps
    before = _shapes(steps[0].frames[0], "fractured")[0].points
    after = _shapes(steps[-1].frames[0], "fractured")[0].points
    assert np.abs(after - before).max() == 0.0


def test_the_lift_grows_through_the_balloon_step(tmp_path: Path) -> None:
    made = _model(tmp_path)
    middles = [_heights(_shapes(scene, "fractured")[0])[1]
               for scene in made.procedure.steps[2].frames]  # fmt: skip
    assert np.all(np.diff(middles) > 0)
    assert middles[-1] == pytest.approx(WEDGE_L1_MM[1] + 2.1, abs=0.01)


def _section_area_mm2(volume_ml: float) -> float:
    """By hand: an ellipsoid of semi-axes (a, 0.7 a, 0.8 a) holding volume_ml; its
    section through the anterior and superior axes is an ellipse of area pi * a * 0.8 a."""
    a = (volume_ml * 1000.0 / (4.0 / 3.0 * math.pi * 1.0 * 0.7 * 0.8)) ** (1.0 / 3.0)
    return math.pi * a * 0.8 * a


@pytest.mark.parametrize(("approach", "blobs"), [("bipedicular", 2), ("unipedicular", 1)])
def test_the_cement_drawn_has_the_area_of_the_planned_volume(tmp_path, approach, blobs) -> None:
    made = _model(tmp_path, approach=approach)
    cement = _shapes(made.procedure.steps[-1].frames[0], "cement")
    assert len(cement) == blobs
    expected = _section_area_mm2(CEMENT_ML / blobs)
    polygon_shortfall = math.sin(2 * math.pi / ELLIPSE_POINTS) * ELLIPSE_POINTS / (2 * math.pi)
    for blob in cement:
        assert polygon_area_mm2(blob.points) == pytest.approx(expected * polygon_shortfall,
                                                              rel=1e-6)  # fmt: skip
        assert polygon_area_mm2(blob.points) == pytest.approx(expected, rel=0.002)


def test_the_cement_sits_inside_the_fractured_body(tmp_path: Path) -> None:
    from matplotlib.path import Path as Polygon

    made = _model(tmp_path)
    after = made.procedure.steps[-1].frames[0]
    body = Polygon(_shapes(after, "fractured")[0].points)
    for blob in _shapes(after, "cement"):
        assert body.contains_points(blob.points).all()


def _distance_to_outline_mm(points: np.ndarray, outline: np.ndarray) -> float:
    """The least distance (mm) from any of ``points`` to the closed polygon ``outline``."""
    a, b = outline, np.roll(outline, -1, axis=0)
    ab = b - a
    t = np.clip(((points[:, None, :] - a) * ab).sum(-1) / (ab * ab).sum(-1), 0.0, 1.0)
    nearest = a + t[..., None] * ab
    return float(np.linalg.norm(points[:, None, :] - nearest, axis=-1).min())


@pytest.mark.parametrize("approach", ["bipedicular", "unipedicular"])
def test_the_cement_is_drawn_clear_of_the_anterior_wall(tmp_path: Path, approach) -> None:
    """Drawn touching the front cortex, cement reads as a leak to a patient: a band of
    bone (at least 1.5 mm, about 15 px at the page's scale) stays between each blob and
    the anterior wall (outline points 0 and 5: superior and inferior anterior)."""
    made = _model(tmp_path, approach=approach)
    after = made.procedure.steps[-1].frames[0]
    body = _shapes(after, "fractured")[0].points
    wall = body[[0, 5]]
    for blob in _shapes(after, "cement"):
        assert _distance_to_outline_mm(blob.points, wall) >= 1.5


def test_one_needle_or_two_as_planned(tmp_path: Path) -> None:
    one = _model(tmp_path, approach="unipedicular")
    two = _model(tmp_path, approach="bipedicular")
    frame = two.frame
    needles_1 = _shapes(one.procedure.steps[1].frames[-1], "needle")
    needles_2 = _shapes(two.procedure.steps[1].frames[-1], "needle")
    assert (len(needles_1), len(needles_2)) == (1, 2)
    for needle in needles_2:
        u = (needle.points - frame.centre) @ frame.anterior
        assert u.min() < frame.posterior_wall_u_mm - 40  # from well behind the body
        assert frame.posterior_wall_u_mm < u.max() < frame.station_u_mm[0]  # tip inside
    a, b = (n.points for n in needles_2)
    assert not np.allclose(a, b)  # the second drawn apart from the first, not hidden
    side = SideView(above=True, below=True)
    bi, uni = captions(two.procedure, side=side), captions(one.procedure, side=side)
    assert SIDE_VIEW_TUBE in bi[1].text and SIDE_VIEW_TUBE in uni[1].text
    assert SIDE_VIEW_TWO_TUBES in bi[1].text and SIDE_VIEW_TWO_TUBES not in uni[1].text
    assert any("schematic" in n for n in one.notes)
    assert any("two needles" in n for n in two.notes) and not any("two needles" in n
                                                                 for n in one.notes)  # fmt: skip


def test_a_missing_neighbour_is_named_and_not_invented(tmp_path: Path) -> None:
    made = _model(tmp_path, levels=("T11", "L1", "L2"))  # no T12
    start = made.procedure.steps[0].frames[0]
    assert [s.label for s in start] == ["L2", "L1"]  # T11 is not L1's neighbour
    assert "neighbour above: no T12 in the landmarks, not drawn" in made.notes
    found = captions(made.procedure, side=SideView(above=False, below=True))
    assert "The bone below it is shown too." in found[0].text
    assert "above" not in found[0].text


def test_educate_case_from_landmarks_is_labelled_and_complete(tmp_path: Path) -> None:
    source = _source(tmp_path, landmark_levels())
    made = educate_case(case_l1(), practice(), on=ON, landmarks=source)
    assert made.notes[0].startswith("model: drawn from landmarks (2-D)")
    assert made.procedure.sized_by.endswith("(2-D side view)")
    assert LABEL in made.html
    assert made.animation.frame_count == 14
    assert made.consent_pdf.startswith(b"%PDF")


def test_a_transitional_t13_is_the_neighbour_above(tmp_path: Path) -> None:
    from education.kypho_education_support import box_as

    levels = {"T12": box_as(30.0, (26.0,) * 3, 72.0), "T13": box_as(30.0, (26.0,) * 3, 36.0),
              "L1": box_as(30.0, WEDGE_L1_MM, 0.0)}  # fmt: skip
    made = side_model(_source(tmp_path, levels), "L1", approach="bipedicular", cement_ml=3.0)
    assert [s.label for s in made.procedure.steps[0].frames[0]] == ["T13", "L1"]
    assert "neighbour below: no L2 in the landmarks, not drawn" in made.notes
