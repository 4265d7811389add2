"""Grade each vertebra against its nearest intact neighbours.

Each of the three heights is compared with the mean of the same height in the nearest
intact vertebra above and below (the adjacent-level reference of PAHC/PMHC, clinical
reference 3.3); the level's height loss is the largest of the three losses. "Intact"
means measured, gradable and losing < 20 % against its own largest height, then < 20 %
against its neighbours, graded again until no reference is a fractured level.

Without an intact neighbour (the neighbours are outside the field of view, cut by its
edge, unmeasurable or fractured) the reference is the level's own posterior height: the
anterior and middle heights are graded by their ratios Ha/Hp and Hm/Hp, as six-point
morphometry does (clinical reference 3.2). Those ratios do not depend on the field of
view; what they cannot show is a loss of the whole body (crush), which is judged
against adjacent vertebrae (clinical reference 3.1). So the level says which reference
it used (``reference_method``, ``reference_from``), and its height loss range and grade
range reach up to 100 % and grade 3 (``UNSEEN_CRUSH_MAX_PCT``): the same mask graded with
and without its neighbours gets grade ranges that overlap.

Where heights carry a doubt (``VertebraMeasurement.height_doubt_mm``: the sampling step
of a mask), the level also gets the range of height loss that the doubts allow (the
level's height and its reference are measured independently, so their doubts combine in
quadrature) and the grades of the range's ends. A range reaching across a grade boundary
flags the grade as uncertain: at 3 mm sampling, a 26 mm body graded against two
neighbours has its loss known to +-14 percentage points, wider than grade 1 (20-25 %);
at 1 mm, to +-5.

References
----------
.. [1] Genant HK et al. J Bone Miner Res 1993;8:1137-48.
.. [2] PMC6530246 (percentage of anterior/middle height compression against adjacent
   levels), clinical reference 3.3.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from kypho.morphometry.grading import GRADE_1_MIN_PCT, genant_grade, morphology
from kypho.morphometry.structures import UNGRADED_STRUCTURES, structure_position
from kypho.morphometry.types import (
    Issue,
    LevelMeasurement,
    Quality,
    ReferenceMethod,
    SpineMeasurement,
    VertebraMeasurement,
)

Heights = tuple[float, float, float]
# Without an intact neighbour the posterior height is the reference, and a loss of the
# whole body (crush), which only a neighbour shows, cannot be excluded: the upper end of
# the level's height loss range is then 100 %, so its grade range reaches grade 3 and a
# criterion such as "height loss > 25 %" stays unknown unless the measured loss alone
# settles it. PROJECT CONVENTION (Genant 1993 and clinical reference 3.1: a crush is
# "judged against adjacent vertebrae").
UNSEEN_CRUSH_MAX_PCT = 100.0
OWN_POSTERIOR_FROM = "own posterior height (no intact neighbour in view)"


def _loss_pct(heights: tuple[float, ...], reference: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(max(0.0, (r - h) / r * 100.0) for h, r in zip(heights, reference, strict=True))


def _own_loss_pct(heights: Heights) -> float:
    return (max(heights) - min(heights)) / max(heights) * 100.0


def _loss_range_pct(
    loss_pct: float,
    height_mm: float,
    reference_mm: float,
    doubt_mm: float,
    reference_doubt_mm: float,
) -> tuple[float, float]:
    """``loss_pct`` +- its doubt, from the height's and the reference's doubts (mm).

    loss = (r - h) / r, so a change dh moves it by dh / r and a change dr by h dr / r^2;
    the two errors are independent and combine in quadrature.
    """
    doubt_pct = 100.0 * math.hypot(
        doubt_mm / reference_mm, height_mm * reference_doubt_mm / reference_mm**2
    )
    return max(0.0, loss_pct - doubt_pct), min(100.0, loss_pct + doubt_pct)


def _grade_doubt(
    loss_range: tuple[float, float] | None, doubt_mm: float | None
) -> tuple[tuple[int, int] | None, tuple[Issue, ...]]:
    if loss_range is None or doubt_mm is None:
        return None, ()
    grades = genant_grade(loss_range[0]), genant_grade(loss_range[1])
    if grades[0] == grades[1]:
        return grades, ()
    issue = Issue(
        quality=Quality.LIMITED,
        reason=f"grade uncertain: {grades[0]} to {grades[1]} (height loss "
        f"{loss_range[0]:.1f}-{loss_range[1]:.1f} % within the doubt of heights sampled "
        f"every {doubt_mm:.1f} mm)",
        shown_in_column=True,
    )
    return grades, (issue,)


def _gradable(v: VertebraMeasurement) -> bool:
    return (
        v.heights_mm is not None
        and v.quality is not Quality.POOR
        and v.structure not in UNGRADED_STRUCTURES
    )


def _neighbours(
    order: list[VertebraMeasurement], i: int, intact: set[str]
) -> list[VertebraMeasurement]:
    up = next((v for v in reversed(order[:i]) if v.structure in intact), None)
    down = next((v for v in order[i + 1 :] if v.structure in intact), None)
    return [v for v in (up, down) if v is not None]


def _reference(neighbours: list[VertebraMeasurement]) -> Heights:
    rows = [v.heights_mm for v in neighbours if v.heights_mm is not None]
    a, m, p = (sum(col) / len(rows) for col in zip(*rows, strict=True))
    return a, m, p


def _against_neighbours(
    v: VertebraMeasurement, heights: Heights, neighbours: list[VertebraMeasurement]
) -> LevelMeasurement:
    a, m, p = heights
    doubt = v.height_doubt_mm
    ref = _reference(neighbours)
    losses = _loss_pct(heights, ref)
    worst = max(range(3), key=lambda k: losses[k])
    names = ", ".join(n.structure for n in neighbours)
    ref_doubts = [n.height_doubt_mm for n in neighbours]
    loss_range = None
    if doubt is not None and all(d is not None for d in ref_doubts):
        # The reference is a mean of len(neighbours) independent heights.
        ref_doubt = math.hypot(*(d or 0.0 for d in ref_doubts)) / len(ref_doubts)
        loss_range = _loss_range_pct(losses[worst], heights[worst], ref[worst], doubt, ref_doubt)
    grade_range, doubts = _grade_doubt(loss_range, doubt)
    return LevelMeasurement(
        vertebra=v,
        reference_height_mm=ref[worst],
        reference_from=f"neighbours {names}",
        reference_method=ReferenceMethod.NEIGHBOURS,
        posterior_neighbour_ratio=p / ref[2],
        height_loss_pct=losses[worst],
        height_loss_range_pct=loss_range,
        genant_grade=genant_grade(losses[worst]),
        genant_grade_range=grade_range,
        morphology=morphology(
            anterior_loss_pct=losses[0], middle_loss_pct=losses[1], posterior_loss_pct=losses[2]
        ),
        anterior_posterior_ratio=a / p,
        middle_posterior_ratio=m / p,
        issues=doubts,
    )


def _against_own_posterior(v: VertebraMeasurement, heights: Heights) -> LevelMeasurement:
    """The fallback without an intact neighbour: Ha/Hp and Hm/Hp, the crush loss unknown."""
    a, m, p = heights
    losses = _loss_pct((a, m), (p, p))
    worst = max(range(2), key=lambda k: losses[k])
    loss = losses[worst]
    doubt = v.height_doubt_mm
    low = loss if doubt is None else _loss_range_pct(loss, heights[worst], p, doubt, doubt)[0]
    grades = (genant_grade(low), genant_grade(UNSEEN_CRUSH_MAX_PCT))
    note = Issue(
        quality=Quality.LIMITED,
        reason=f"no intact neighbour in view: anterior and middle heights against the level's "
        f"own posterior height (Ha/Hp, Hm/Hp); a whole-body (crush) loss needs a neighbour, "
        f"so the grade may be {grades[0]} to {grades[1]}",
    )
    return LevelMeasurement(
        vertebra=v,
        reference_height_mm=p,
        reference_from=OWN_POSTERIOR_FROM,
        reference_method=ReferenceMethod.OWN_POSTERIOR,
        height_loss_pct=loss,
        height_loss_range_pct=(low, UNSEEN_CRUSH_MAX_PCT),
        genant_grade=genant_grade(loss),
        genant_grade_range=grades,
        morphology=morphology(
            anterior_loss_pct=losses[0], middle_loss_pct=losses[1], posterior_loss_pct=0.0
        ),
        issues=(note,),
        anterior_posterior_ratio=a / p,
        middle_posterior_ratio=m / p,
    )


def _grade_one(v: VertebraMeasurement, neighbours: list[VertebraMeasurement]) -> LevelMeasurement:
    heights = v.heights_mm
    if heights is None or not _gradable(v):
        why = Issue(quality=Quality.LIMITED, reason="not graded: Genant grading covers C3-L6")
        return LevelMeasurement(vertebra=v, issues=(why,) if _ungraded(v) else ())
    if neighbours:
        return _against_neighbours(v, heights, neighbours)
    return _against_own_posterior(v, heights)


def _ungraded(v: VertebraMeasurement) -> bool:
    return v.structure in UNGRADED_STRUCTURES


def grade_spine(
    vertebrae: Iterable[VertebraMeasurement], *, method: str, layout: str | None = None
) -> SpineMeasurement:
    """Reference heights, ratios, height loss, Genant grade and type for every vertebra."""
    order = sorted(vertebrae, key=lambda v: structure_position(v.structure))
    intact = {
        v.structure
        for v in order
        if _gradable(v) and v.heights_mm and _own_loss_pct(v.heights_mm) < GRADE_1_MIN_PCT
    }
    while True:
        levels = tuple(_grade_one(v, _neighbours(order, i, intact)) for i, v in enumerate(order))
        fractured = {
            lv.structure for lv in levels if (lv.height_loss_pct or 0.0) >= GRADE_1_MIN_PCT
        }
        if not intact & fractured:
            return SpineMeasurement(levels=levels, method=method, layout=layout)
        # Two crushed levels side by side each look intact against the other: drop the
        # fractured ones and grade again until no reference is a fractured level.
        intact -= fractured
