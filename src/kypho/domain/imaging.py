"""Imaging studies, what each shows at each level, and its CT bone density screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kypho.domain._checks import check_range, check_unique_levels, shown
from kypho.domain.levels import Level
from kypho.errors import InvalidMeasurement

# Pickhardt PJ et al., Ann Intern Med 2013;158:588-95 (clinical reference 6.1): mean
# trabecular attenuation of L1 <= 160 HU was 90 % sensitive and <= 110 HU more than 90 %
# specific for DXA osteoporosis; performance similar at T12-L5; IV contrast did not matter.
PICKHARDT_SENSITIVE_MAX_HU = 160.0
PICKHARDT_SPECIFIC_MAX_HU = 110.0
PICKHARDT_SOURCE = "Pickhardt 2013 (Ann Intern Med 158:588-95), clinical reference 6.1"
# PROJECT CONVENTION: a trabecular attenuation outside this range means the CT is not in
# HU (stored values without the rescale) or the region is not trabecular bone.
PLAUSIBLE_TRABECULAR_HU = (-300.0, 1000.0)
# The levels Pickhardt's thresholds were shown for (L1; similar at T12-L5).
BONE_DENSITY_LEVELS = (Level.T12, Level.L1, Level.L2, Level.L3, Level.L4, Level.L5)
NOT_A_DIAGNOSIS = "a screening flag for a DXA referral, not a diagnosis"


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


class ContrastPhase(StrEnum):
    """Whether IV contrast was given for the CT, as its DICOM headers tell."""

    NON_CONTRAST = "non_contrast"  # the series says no contrast agent
    CONTRAST = "contrast"  # an agent was given; which phase is not known
    UNKNOWN = "unknown"  # the series does not say


class BoneDensityFlag(StrEnum):
    """Where a trabecular attenuation falls against Pickhardt 2013's L1 thresholds."""

    AT_OR_BELOW_110_HU = "at_or_below_110_hu"  # > 90 % specific for osteoporosis
    AT_OR_BELOW_160_HU = "at_or_below_160_hu"  # 90 % sensitive: above 110, at most 160
    ABOVE_160_HU = "above_160_hu"

    @property
    def low(self) -> bool:
        """At or below 160 HU: a DXA referral is suggested."""
        return self is not BoneDensityFlag.ABOVE_160_HU

    @property
    def threshold_text(self) -> str:
        """'<= 110 HU (more than 90 % specific for osteoporosis)'..."""
        return {
            "at_or_below_110_hu": "<= 110 HU (more than 90 % specific for osteoporosis)",
            "at_or_below_160_hu": "<= 160 HU (90 % sensitive for osteoporosis)",
            "above_160_hu": "> 160 HU (above the 90 %-sensitive threshold)",
        }[self.value]


def bone_density_flag(mean_hu: float) -> BoneDensityFlag:
    """The flag of a mean trabecular attenuation; both thresholds are inclusive.

    >>> [bone_density_flag(hu).value for hu in (110.0, 110.1, 160.0, 160.1)]
    ['at_or_below_110_hu', 'at_or_below_160_hu', 'at_or_below_160_hu', 'above_160_hu']
    """
    if mean_hu <= PICKHARDT_SPECIFIC_MAX_HU:
        return BoneDensityFlag.AT_OR_BELOW_110_HU
    if mean_hu <= PICKHARDT_SENSITIVE_MAX_HU:
        return BoneDensityFlag.AT_OR_BELOW_160_HU
    return BoneDensityFlag.ABOVE_160_HU


@dataclass(frozen=True, slots=True, kw_only=True)
class BoneDensity:
    """Opportunistic CT bone density of one study: one level's trabecular attenuation.

    A screening flag for a DXA referral, never a diagnosis (clinical reference 6.1): HU
    differ between scanners and protocols. ``flag`` follows from ``mean_hu`` (Pickhardt
    2013); given, it must agree. ``roi`` says how the region was drawn; ``source`` who
    measured it and why this level.
    """

    level: Level
    mean_hu: float
    median_hu: float | None = None
    voxel_count: int | None = None
    roi: str | None = None
    flag: BoneDensityFlag | None = None
    contrast_phase: ContrastPhase = ContrastPhase.UNKNOWN
    source: str | None = None

    def __post_init__(self) -> None:
        where = "bone_density"
        if self.level not in BONE_DENSITY_LEVELS:
            raise InvalidMeasurement(
                f"{where}.level: expected one of T12-L5 (the levels Pickhardt 2013's "
                f"thresholds hold for), got {self.level}"
            )
        lo, hi = PLAUSIBLE_TRABECULAR_HU
        if self.mean_hu is None:
            raise InvalidMeasurement(f"{where}.mean_hu: expected a number from {lo:g} to {hi:g} HU")
        check_range(f"{where}.mean_hu", self.mean_hu, lo, hi, " HU")
        check_range(f"{where}.median_hu", self.median_hu, lo, hi, " HU")
        count = self.voxel_count
        whole = isinstance(count, int) and not isinstance(count, bool)
        if count is not None and not (whole and count >= 1):
            raise InvalidMeasurement(
                f"{where}.voxel_count: expected a whole number >= 1, got {shown(count)}"
            )
        expected = bone_density_flag(self.mean_hu)
        if self.flag is not None and self.flag is not expected:
            raise InvalidMeasurement(
                f"{where}.flag: expected {expected.value} for mean_hu {self.mean_hu:g} "
                f"(Pickhardt 2013: <= 110, <= 160, > 160 HU), got {self.flag.value}"
            )
        object.__setattr__(self, "flag", expected)

    @property
    def screen_flag(self) -> BoneDensityFlag:
        """``flag``, always set once made (derived from ``mean_hu``)."""
        return self.flag or bone_density_flag(self.mean_hu)

    @property
    def refer_for_dxa(self) -> bool:
        """At or below 160 HU (Pickhardt's sensitive threshold)."""
        return self.screen_flag.low

    @property
    def summary(self) -> str:
        """'L1 trabecular attenuation mean 104 HU: <= 110 HU (...); contrast: unknown'."""
        phase = self.contrast_phase.value.replace("_", "-")
        return (
            f"{self.level} trabecular attenuation mean {self.mean_hu:.0f} HU: "
            f"{self.screen_flag.threshold_text}, {PICKHARDT_SOURCE}; contrast: {phase}; "
            f"{NOT_A_DIAGNOSIS}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagingStudy:
    modality: Modality
    study_date: date | None = None
    study_id: str | None = None
    findings: tuple[LevelFinding, ...] = ()
    bone_density: BoneDensity | None = None

    def __post_init__(self) -> None:
        check_unique_levels(f"imaging {self.label}.findings", (f.level for f in self.findings))
        if self.bone_density is not None and self.modality is not Modality.CT:
            raise InvalidMeasurement(
                f"imaging {self.label}.bone_density: expected a CT study (trabecular "
                f"attenuation in HU), got modality {self.modality}"
            )

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
