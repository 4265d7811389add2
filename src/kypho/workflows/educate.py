"""Patient education: the planned procedure shown on the patient's own vertebra.

The one function the CLI and the clinic app call. The plan decides what is shown (the
level, one or two needles, the cement volume); the mask gives the shape. Without a mask
a standard vertebra of the level, sized to the case's measured heights, is shown and
labelled as such. From six-point landmarks instead (``landmarks=``), a 2-D side view of
the level and its neighbours is drawn in the patient's own geometry
(``kypho.education.sideview``). Bad input is ``InvalidInput`` naming it (no fractured
level, a level not in the mask or the landmarks or not planned, a refused plan), raised
before anything is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from kypho.documents.consent import consent_document
from kypho.documents.render import render_pdf
from kypho.documents.types import ClinicContact, Figure
from kypho.domain.case import Case
from kypho.domain.levels import Level
from kypho.education.anatomy import BodyFrame, body_frame, pedicles
from kypho.education.animation import Animation, render_animation
from kypho.education.animation2d import render_animation_2d
from kypho.education.captions import Caption, SideView, captions
from kypho.education.mesh import MAX_TRIANGLES_PER_VERTEBRA, for_drawing, vertebra_mesh
from kypho.education.outline2d import Frame2D
from kypho.education.page import page_html
from kypho.education.page2d import page_html_2d
from kypho.education.sideview import LandmarkFile, SideProcedure, side_model
from kypho.education.standard import standard_segment, standard_size_mm
from kypho.education.steps import Part, Procedure, build_steps, height_gains_mm
from kypho.errors import InvalidInput
from kypho.imaging.layouts import Layout, label_names
from kypho.imaging.nifti import LabelImage
from kypho.morphometry.types import SpineMeasurement, Stations
from kypho.planning.types import Approach, LevelPlan
from kypho.rules import Policy
from kypho.workflows.measure import measure_labels
from kypho.workflows.plan import plan_case

HTML_NAME, GIF_NAME = "education.html", "education.gif"
CONSENT_NAME = "consent-with-pictures.pdf"
GIF_TRIANGLES_PER_VERTEBRA = 1200  # the GIF is 480 x 360: finer meshes only cost time
MODEL_STATIONS = Stations.TS_15_50_85  # heights of the 3-D model: inside the walls


@dataclass(frozen=True, slots=True, kw_only=True)
class Education:
    procedure: Procedure | SideProcedure  # SideProcedure: the side view from landmarks
    frame: BodyFrame | Frame2D
    captions: tuple[Caption, ...]
    html: str
    animation: Animation
    notes: tuple[str, ...]  # how the model was made (for the clinician)
    consent_pdf: bytes  # the consent form with one key frame per step, captioned

    def files(self) -> dict[str, bytes]:
        """File name -> content: the page, the GIF and one PNG per step."""
        found = {HTML_NAME: self.html.encode("utf-8"), GIF_NAME: self.animation.gif}
        for n, png in enumerate(self.animation.key_frames_png, start=1):
            found[f"step-{n}-{self.procedure.steps[n - 1].key}.png"] = png
        found[CONSENT_NAME] = self.consent_pdf
        return found


def _planned_level(case: Case, policy: Policy, on: date, level: str | None) -> LevelPlan:
    if not case.fractures:
        raise InvalidInput(
            f"case {case.case_id}: fractures: expected a fractured level, found none"
        )
    plan = plan_case(case, policy, on=on).plan
    if plan.refused or not plan.levels:
        why = "; ".join(plan.refusal_reasons) or "no level planned"
        raise InvalidInput(
            f"case {case.case_id}: expected a plan to show, found the plan refused under "
            f"policy {policy.id} ({why}); plan it first (kypho plan)"
        )
    if level is None:
        return plan.levels[0]
    chosen = next((lp for lp in plan.levels if str(lp.level) == level.strip().upper()), None)
    if chosen is None:
        planned = ", ".join(str(lp.level) for lp in plan.levels)
        raise InvalidInput(f"--level: expected a planned level ({planned}), got {level!r}")
    return chosen


def _case_heights(case: Case, level: Level) -> tuple[tuple[float, float, float], str]:
    """The latest measured heights of ``level`` in the case, else the standard height less
    the reported loss, evenly (the shape is then unknown and said to be)."""
    height = standard_size_mm(level)[2]
    for study in reversed(case.imaging or ()):
        finding = study.finding(level)
        if finding is not None and finding.heights_mm is not None:
            return finding.heights_mm, f"the heights measured on {study.label}"
    for study in reversed(case.imaging or ()):
        finding = study.finding(level)
        loss = None if finding is None else finding.effective_height_loss_pct
        if loss is not None:
            h = height * (1 - loss / 100)
            return (h, h, h), f"the reported height loss ({loss:g} %), spread evenly"
    return (height, height, height), "no heights recorded: a standard height"


def _ids(spine: SpineMeasurement, header_names: dict[int, str]) -> dict[str, int]:
    names = label_names(Layout(spine.layout or "total"), header_names)
    return {v: k for k, v in names.items()}


def _meshes(
    labels: Any,
    affine: Any,
    header_names: dict[int, str],
    level: Level,
    where: str,
    max_triangles: int,
) -> tuple[tuple[Part, ...], Part, BodyFrame, Any, SpineMeasurement]:
    # The model is read through the body, inside its walls (a line along a wall only
    # grazes the surface), and the standard vertebra is shaped at 15/85 % of its depth:
    # its stations are stated here, whatever the morphometry's default.
    spine = measure_labels(labels, affine=affine, header_names=header_names, name=where,
                           stations=MODEL_STATIONS)  # fmt: skip
    structure = str(level)
    found = spine.get(structure)
    if found is None:
        present = ", ".join(lv.structure for lv in spine.levels) or "none"
        raise InvalidInput(f"{where}: expected level {structure} in the mask, found {present}")
    ids = _ids(spine, header_names)
    order = [lv.structure for lv in spine.levels]
    at = order.index(structure)
    near = [s for s in order[max(0, at - 1) : at + 2] if s != structure]
    mask = np.asarray(labels) == ids[structure]
    bones = tuple(
        Part(role="bone", mesh=vertebra_mesh(np.asarray(labels) == ids[s], affine, structure=s,
                                             max_triangles=max_triangles))
        for s in near
    )  # fmt: skip
    fractured = Part(role="fractured", mesh=vertebra_mesh(mask, affine, structure=structure,
                                                          max_triangles=max_triangles))  # fmt: skip
    return bones, fractured, body_frame(found), mask, spine


def _pedicles(mask: Any, affine: Any, frame: BodyFrame, lp: LevelPlan) -> tuple[Any, ...]:
    right, left = pedicles(mask, affine, frame)
    if lp.approach is Approach.UNIPEDICULAR:
        one = right if right is not None else left
        if one is None:
            raise InvalidInput(f"{lp.level}: expected a pedicle in the mask, found none")
        return (one,)
    missing = [side for side, p in (("right", right), ("left", left)) if p is None]
    if missing:
        raise InvalidInput(
            f"{lp.level}: expected both pedicles in the mask (bipedicular plan), found none "
            f"on the {' and '.join(missing)}"
        )
    return (right, left)


def _model(
    case: Case, lp: LevelPlan, mask: LabelImage | None, max_triangles: int
) -> tuple[_Model, str]:
    """The meshes, frame and pedicles from the mask, or from a standard segment."""
    if mask is not None:
        labels, affine, names = mask.labels, mask.geometry.affine, mask.header_names
        where, how = str(mask.path), f"mask {mask.path.name}"
    else:
        heights, basis = _case_heights(case, lp.level)
        seg = standard_segment(lp.level, heights)
        labels, affine, where = seg.labels, seg.affine, "standard vertebra"
        names = {k: f"vertebrae_{v}" for k, v in seg.structures.items()}
        how = f"standard vertebra sized to {basis}"
    bones, fractured, frame, fmask, spine = _meshes(
        labels, affine, names, lp.level, where, max_triangles
    )
    measured = spine.get(str(lp.level))
    assert measured is not None  # _meshes refused a missing level
    pre = measured.reference_height_mm or max(frame.heights_mm)
    aims = _pedicles(fmask, affine, frame, lp)
    return _Model(bones=bones, fractured=fractured, frame=frame, pedicles=aims, pre_mm=pre), how


@dataclass(frozen=True, slots=True, kw_only=True)
class _Model:
    bones: tuple[Part, ...]
    fractured: Part
    frame: BodyFrame
    pedicles: tuple[Any, ...]
    pre_mm: float


def _steps(model: _Model, lp: LevelPlan, cement_ml: float, gains: Any, triangles: int) -> Any:
    bones = tuple(Part(role=b.role, mesh=for_drawing(b.mesh, triangles)) for b in model.bones)
    return build_steps(
        bones=bones,
        fractured=for_drawing(model.fractured.mesh, triangles),
        frame=model.frame,
        pedicles=model.pedicles,
        bipedicular=lp.approach is Approach.BIPEDICULAR,
        cement_ml=cement_ml,
        gains_mm=gains,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """The procedure built, not yet drawn (what the tests and a viewer need)."""

    procedure: Procedure
    frame: BodyFrame
    model: _Model
    plan: LevelPlan
    notes: tuple[str, ...]


def prepare_education(
    case: Case,
    policy: Policy,
    *,
    on: date,
    mask: LabelImage | None = None,
    level: str | None = None,
    max_triangles: int = MAX_TRIANGLES_PER_VERTEBRA,
) -> Prepared:
    """The steps for ``case``'s planned level (see ``educate_case``), without drawing."""
    lp = _planned_level(case, policy, on, level)
    model, how = _model(case, lp, mask, max_triangles)
    before = model.frame.heights_mm
    gains = height_gains_mm(before, model.pre_mm)
    cement_ml = (lp.cement.volume_low_ml + lp.cement.volume_high_ml) / 2
    a, m, p = (h + g for h, g in zip(before, gains, strict=True))
    procedure = Procedure(
        level=str(lp.level),
        approach=str(lp.approach),
        steps=_steps(model, lp, cement_ml, gains, max_triangles),
        heights_before_mm=before,
        heights_after_mm=(a, m, p),
        pre_fracture_height_mm=model.pre_mm,
        cement_ml=cement_ml,
        standard=mask is None,
        sized_by=how,
    )
    notes = (
        f"model: {how}",
        "pedicles: centroids of the mask behind the posterior wall, each side of the midline",
        f"lift shown (mm, anterior/middle/posterior): {', '.join(f'{g:.1f}' for g in gains)} "
        f"(capped at {model.pre_mm:.1f} mm, the estimated height before the fracture)",
        f"cement shown: {cement_ml:.1f} mL (middle of the planned range)",
    )
    return Prepared(procedure=procedure, frame=model.frame, model=model, plan=lp, notes=notes)


def educate_case(
    case: Case,
    policy: Policy,
    *,
    on: date,
    mask: LabelImage | None = None,
    level: str | None = None,
    max_triangles: int = MAX_TRIANGLES_PER_VERTEBRA,
    clinic: ClinicContact | None = None,
    landmarks: LandmarkFile | None = None,
) -> Education:
    """The page, the GIF, the key frames and the consent form with them, for ``case``'s
    planned level.

    Parameters
    ----------
    mask
        The case's label volume (``kypho.imaging.nifti.load_labels``); ``None`` shows a
        standard vertebra sized to the case's measured heights.
    landmarks
        Six-point landmarks of the case (``kypho.imaging.landmarks``) instead of a mask:
        the 2-D side view (``educate_from_landmarks``). Not with ``mask``.
    level
        One of the planned levels (default: the first planned).
    max_triangles
        Per vertebra on the page; the GIF draws ``GIF_TRIANGLES_PER_VERTEBRA``.
    clinic
        Printed on the consent form (``Settings.clinic_name``/``clinic_phone``).
    """
    if landmarks is not None:
        if mask is not None:
            raise InvalidInput("--mask, --landmarks: expected one of them, got both")
        return educate_from_landmarks(case, policy, on=on, landmarks=landmarks, level=level,
                                      clinic=clinic)  # fmt: skip
    made = prepare_education(
        case, policy, on=on, mask=mask, level=level, max_triangles=max_triangles
    )
    procedure = made.procedure
    gains = tuple(
        a - b for a, b in zip(procedure.heights_after_mm, procedure.heights_before_mm, strict=True)
    )
    drawn = _steps(made.model, made.plan, procedure.cement_ml, gains, GIF_TRIANGLES_PER_VERTEBRA)
    found = captions(procedure)
    animation = render_animation(replace(procedure, steps=drawn), made.frame)
    return Education(
        procedure=procedure,
        frame=made.frame,
        captions=found,
        html=page_html(procedure, made.frame, found),
        animation=animation,
        notes=made.notes,
        consent_pdf=_consent(case, policy, on, animation, found, clinic),
    )


def _consent(
    case: Case, policy: Policy, on: date, animation: Animation, found: tuple[Caption, ...],
    clinic: ClinicContact | None,
) -> bytes:  # fmt: skip
    """The plan's consent form with each step's key frame under its caption's title (PDF)."""
    figures = tuple(Figure(png=png, caption=c.title)
                    for png, c in zip(animation.key_frames_png, found, strict=False))  # fmt: skip
    plan = plan_case(case, policy, on=on).plan  # not refused: the caller checked
    return render_pdf(consent_document(plan, clinic=clinic or ClinicContact(), figures=figures))


def educate_from_landmarks(
    case: Case,
    policy: Policy,
    *,
    on: date,
    landmarks: LandmarkFile,
    level: str | None = None,
    clinic: ClinicContact | None = None,
) -> Education:
    """As ``educate_case``, drawn in 2-D from six-point landmarks: the side view of the
    planned level and its neighbours in the file, the needle path schematic (no pedicles
    in the landmarks), one needle or two as planned; the same lift, cement and captions."""
    lp = _planned_level(case, policy, on, level)
    cement_ml = (lp.cement.volume_low_ml + lp.cement.volume_high_ml) / 2
    model = side_model(landmarks, str(lp.level), approach=str(lp.approach), cement_ml=cement_ml)
    procedure = model.procedure
    side = SideView(above=procedure.above is not None, below=procedure.below is not None)
    found = captions(procedure, side=side)
    animation = render_animation_2d(procedure)
    return Education(
        procedure=procedure,
        frame=model.frame,
        captions=found,
        html=page_html_2d(procedure, found),
        animation=animation,
        notes=model.notes,
        consent_pdf=_consent(case, policy, on, animation, found, clinic),
    )
