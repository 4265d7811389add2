"""Result types of vertebral morphometry: frozen, with units in every name.

A *structure* is a vertebra as the input names it (``"L1"``, or a transitional
``"T13"``/``"L6"`` that ``Level`` does not contain); ``level`` is the matching
``Level`` when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kypho.domain.levels import Level

Point3 = tuple[float, float, float]  # (right, anterior, superior) in mm, RAS+ patient frame


class Quality(StrEnum):
    """How far a level's measurement can be trusted; ordered from best to worst."""

    GOOD = "good"
    LIMITED = "limited"  # measured, with a caveat (e.g. reference from its own heights)
    POOR = "poor"  # cannot support heights or a grade (cut by the edge, too few voxels...)


QUALITY_ORDER = (Quality.GOOD, Quality.LIMITED, Quality.POOR)


class Stations(StrEnum):
    """Where along the body's depth the anterior, middle and posterior heights are read.

    ``WALLS``: the six-point convention of quantitative morphometry, at the anterior and
    posterior walls and the middle (clinical reference 3.2). ``TS_15_50_85``:
    TotalSegmentator's spine report stations at 15, 50 and 85 % of the depth from the
    anterior wall (``spine_report/measure_verte_height.py``, MEASUREMENT_POSITIONS). On a
    linear wedge the 15/85 % stations see 70 % of the wall-to-wall height difference.
    """

    WALLS = "walls"
    TS_15_50_85 = "ts-15-50-85"

    @property
    def depth_fractions(self) -> tuple[float, float, float]:
        """(anterior, middle, posterior) station as a fraction of depth from the front."""
        return (0.0, 0.5, 1.0) if self is Stations.WALLS else (0.15, 0.50, 0.85)

    @property
    def description(self) -> str:
        if self is Stations.WALLS:
            return "heights at the anterior and posterior walls and the middle (six-point)"
        return "heights at 15/50/85 % of depth (TotalSegmentator stations)"


# Where heights are read when a caller does not say: at the walls, the six-point
# convention of quantitative morphometry (clinical reference 3.2; issue 12, item 5). The
# CLI, the app, the screener and the DICOM path all default to this one constant, so one
# mask gets one grade wherever it is measured.
DEFAULT_STATIONS = Stations.WALLS


class ReferenceMethod(StrEnum):
    """What a level's height loss was measured against (``spine``)."""

    NEIGHBOURS = "adjacent levels"  # same-station heights of the nearest intact neighbours
    OWN_POSTERIOR = "own posterior height"  # Ha/Hp, Hm/Hp: no intact neighbour in view


class Morphology(StrEnum):
    """Genant morphological type (clinical reference 3.1)."""

    NONE = "none"
    WEDGE = "wedge"
    BICONCAVE = "biconcave"
    CRUSH = "crush"


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One reason a measurement is not fully trustworthy.

    ``shown_in_column`` marks a doubt that the text table already shows beside its value
    (the wedge angle's +-, the height loss and grade ranges), so it is not repeated there.
    """

    quality: Quality
    reason: str
    shown_in_column: bool = False


def worst_quality(issues: tuple[Issue, ...]) -> Quality:
    """The worst quality among ``issues`` (``GOOD`` when there are none)."""
    return max((i.quality for i in issues), key=QUALITY_ORDER.index, default=Quality.GOOD)


@dataclass(frozen=True, slots=True, kw_only=True)
class SixPoints:
    """The six morphometry points of one vertebral body, in mm in the RAS+ patient frame."""

    superior_anterior_mm: Point3
    superior_middle_mm: Point3
    superior_posterior_mm: Point3
    inferior_anterior_mm: Point3
    inferior_middle_mm: Point3
    inferior_posterior_mm: Point3


@dataclass(frozen=True, slots=True, kw_only=True)
class Endplate:
    """An endplate's orientation fitted to the whole surface (mask input only)."""

    normal: Point3  # unit vector out of the body's top or into its bottom: pointing superior
    tilt_uncertainty_deg: float  # half the spread of sagittal tilts the voxels allow


@dataclass(frozen=True, slots=True, kw_only=True)
class VertebraMeasurement:
    """What one vertebra shows on its own, before any comparison with neighbours."""

    structure: str
    points: SixPoints | None = None
    anterior_height_mm: float | None = None
    middle_height_mm: float | None = None
    posterior_height_mm: float | None = None
    wedge_angle_deg: float | None = None  # between the endplates; kyphotic (anterior) > 0
    volume_ml: float | None = None  # vertebral body, posterior elements excluded
    retropulsion_mm: float | None = None  # posterior wall bulge into the canal
    superior_endplate: Endplate | None = None
    inferior_endplate: Endplate | None = None
    wedge_angle_doubt_deg: float | None = None  # set when the angle is not trusted: +- this
    # Each height is within this of the mask's surfaces (mask input: the sampling step,
    # see body.measure_vertebra); None when unknown (landmarks placed by a reader).
    height_doubt_mm: float | None = None
    # Where the heights were read (mask input); None for landmarks placed by a reader.
    stations: Stations | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def level(self) -> Level | None:
        return Level(self.structure) if self.structure in Level.__members__ else None

    @property
    def quality(self) -> Quality:
        return worst_quality(self.issues)

    @property
    def heights_mm(self) -> tuple[float, float, float] | None:
        a, m, p = self.anterior_height_mm, self.middle_height_mm, self.posterior_height_mm
        return None if a is None or m is None or p is None else (a, m, p)


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelMeasurement:
    """One level, graded against its neighbours."""

    vertebra: VertebraMeasurement
    reference_height_mm: float | None = None
    reference_from: str | None = None  # "neighbours T12, L2" or "own posterior height (...)"
    reference_method: ReferenceMethod | None = None
    anterior_posterior_ratio: float | None = None  # Ha/Hp
    middle_posterior_ratio: float | None = None  # Hm/Hp
    posterior_neighbour_ratio: float | None = None  # Hp / mean neighbour Hp
    height_loss_pct: float | None = None
    # The height loss if every height behind it (this level's and the reference's) were
    # off by up to its ``height_doubt_mm`` in the worst direction; None when unknown. With
    # the own-posterior reference the upper end is 100 %: a crush loss is not seen.
    height_loss_range_pct: tuple[float, float] | None = None
    genant_grade: int | None = None
    genant_grade_range: tuple[int, int] | None = None  # grades of the loss range's ends
    morphology: Morphology | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def grade_uncertain(self) -> bool:
        """True when the height loss range reaches across a Genant boundary."""
        r = self.genant_grade_range
        return r is not None and r[0] != r[1]

    @property
    def structure(self) -> str:
        return self.vertebra.structure

    @property
    def level(self) -> Level | None:
        return self.vertebra.level

    @property
    def all_issues(self) -> tuple[Issue, ...]:
        return self.vertebra.issues + self.issues

    @property
    def quality(self) -> Quality:
        return worst_quality(self.all_issues)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpineMeasurement:
    """Every measured level of one study, cranial to caudal."""

    levels: tuple[LevelMeasurement, ...]
    method: str  # e.g. "mask, endplate-normal frame" or "six-point landmarks"
    layout: str | None = None
    voxel_size_mm: tuple[float, float, float] | None = None
    # What the check of the labelling against anatomy found for the whole spine (e.g. a
    # transitional segment); per-level findings are issues on those levels.
    label_notes: tuple[str, ...] = ()

    def get(self, structure: str) -> LevelMeasurement | None:
        return next((lv for lv in self.levels if lv.structure == structure), None)

    @property
    def stations(self) -> Stations | None:
        """Where the heights were read, when every measured level says the same."""
        found = {lv.vertebra.stations for lv in self.levels if lv.vertebra.stations is not None}
        return found.pop() if len(found) == 1 else None
