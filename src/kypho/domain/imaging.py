"""Imaging studies and what each shows at each level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain._checks import check_range, check_unique_levels
from kypho.domain.levels import Level
from kypho.errors import InvalidMeasurement


class Modality(StrEnum):
    MRI = "mri"
    CT = "ct"
    BONE_SCAN = "bone_scan"
    SPECT = "spect"
    RADIOGRAPH = "radiograph"

    @property
    def is_advanced(self) -> bool:
        """MRI, CT, bone scan and SPECT are 'advanced imaging'; plain films are not."""
        return self is not Modality.RADIOGRAPH


class Appearance(StrEnum):
    ACUTE = "acute"
    CHRONIC = "chronic"


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelFinding:
    """What one study shows at one level. ``None`` means not reported.

    Height loss may be given directly (``height_loss_pct``) or as measured heights;
    ``source`` says where a measured value came from (a reader, ``kypho measure``...).
    A measured loss may carry the range its measurement error allows
    (``height_loss_min_pct`` to ``height_loss_max_pct``): a criterion whose threshold
    lies inside that range is unknown, not met or not met by chance.
    """

    level: Level
    marrow_edema: bool | None = None
    uptake: bool | None = None
    appearance: Appearance | None = None
    height_loss_pct: float | None = None
    height_loss_min_pct: float | None = None
    height_loss_max_pct: float | None = None
    anterior_height_mm: float | None = None
    middle_height_mm: float | None = None
    posterior_height_mm: float | None = None
    reference_height_mm: float | None = None
    kyphotic_deformity: bool | None = None
    wedge_angle_deg: float | None = None
    retropulsion: bool | None = None
    retropulsion_mm: float | None = None
    progression: bool | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        where = f"finding {self.level}"
        check_range(f"{where}.height_loss_pct", self.height_loss_pct, 0, 100, " %")
        lo, hi, value = self.height_loss_min_pct, self.height_loss_max_pct, self.height_loss_pct
        check_range(f"{where}.height_loss_min_pct", lo, 0, 100, " %")
        check_range(f"{where}.height_loss_max_pct", hi, 0, 100, " %")
        ranged = lo is not None or hi is not None
        if ranged and (lo is None or hi is None or value is None or not lo <= value <= hi):
            raise InvalidMeasurement(
                f"{where}: expected height_loss_min_pct <= height_loss_pct <= "
                f"height_loss_max_pct, all three given; got {lo}, {value}, {hi}"
            )
        for name in ("anterior", "middle", "posterior", "reference"):
            check_range(f"{where}.{name}_height_mm", getattr(self, f"{name}_height_mm"), 0, 100)
        check_range(f"{where}.wedge_angle_deg", self.wedge_angle_deg, -90, 90)
        check_range(f"{where}.retropulsion_mm", self.retropulsion_mm, 0, 50)
        if self.reference_height_mm == 0:
            raise InvalidMeasurement(f"{where}.reference_height_mm: expected > 0 mm, got 0")

    @property
    def heights_mm(self) -> tuple[float, float, float] | None:
        """(anterior, middle, posterior) heights in mm, when all three were measured."""
        a, m, p = self.anterior_height_mm, self.middle_height_mm, self.posterior_height_mm
        return None if a is None or m is None or p is None else (a, m, p)

    @property
    def height_loss_range_pct(self) -> tuple[float, float] | None:
        lo, hi = self.height_loss_min_pct, self.height_loss_max_pct
        return None if lo is None or hi is None else (lo, hi)

    @property
    def effective_height_loss_pct(self) -> float | None:
        """Height loss in %: as reported, else from measured heights.

        From heights: the smallest height against ``reference_height_mm`` when given,
        else against the largest of the three (Genant 1993; clinical reference 3.1).

        >>> LevelFinding(level=Level.L1, anterior_height_mm=18, middle_height_mm=22,
        ...              posterior_height_mm=24).effective_height_loss_pct
        25.0
        """
        if self.height_loss_pct is not None:
            return self.height_loss_pct
        heights = self.heights_mm
        if heights is None:
            return None
        reference = self.reference_height_mm or max(heights)
        if reference <= 0:
            return None
        return max(0.0, (reference - min(heights)) / reference * 100.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagingStudy:
    modality: Modality
    study_date: date | None = None
    study_id: str | None = None
    findings: tuple[LevelFinding, ...] = ()

    def __post_init__(self) -> None:
        check_unique_levels(f"imaging {self.label}.findings", (f.level for f in self.findings))

    def finding(self, level: Level) -> LevelFinding | None:
        return next((f for f in self.findings if f.level == level), None)

    @property
    def label(self) -> str:
        """How an explanation names this study: 'MRI 2026-10-01 (study S1)'."""
        name = {"mri": "MRI", "ct": "CT", "spect": "SPECT"}.get(self.modality, self.modality)
        name = name.replace("_", " ")
        when = self.study_date.isoformat() if self.study_date else "undated"
        ident = f" (study {self.study_id})" if self.study_id else ""
        return f"{name} {when}{ident}"
