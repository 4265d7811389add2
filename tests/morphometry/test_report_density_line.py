"""The text table's bone density line: the screen, the threshold, and the contrast in words."""

from __future__ import annotations

import pytest

from kypho.domain.imaging import ContrastPhase
from kypho.morphometry.density import DensityFlag, DensityScreen, StudyDensity
from kypho.morphometry.report import density_line


def _study(mean_hu: float | None, phase: ContrastPhase) -> StudyDensity:
    flag = DensityFlag.UNKNOWN if mean_hu is None else DensityFlag.LOW_SPECIFIC
    screen = DensityScreen(flag=flag, structure=None if mean_hu is None else "vertebrae_L1",
                           reason="L1 read" if mean_hu else "no usable level",
                           mean_hu=mean_hu)  # fmt: skip
    return StudyDensity(levels=(), screen=screen, contrast_phase=phase,
                        contrast_evidence="Contrast/Bolus Agent (0018,0010)")  # fmt: skip


@pytest.mark.parametrize(
    ("phase", "words"),
    [
        (ContrastPhase.NON_CONTRAST, "no IV contrast"),
        (ContrastPhase.CONTRAST, "IV contrast given, phase not known"),
        (ContrastPhase.UNKNOWN, "IV contrast not stated in the series"),
    ],
)
def test_the_contrast_phase_is_said_in_words_with_its_evidence(
    phase: ContrastPhase, words: str
) -> None:
    screened = density_line(_study(104.0, phase))
    assert screened.startswith("Bone density: vertebrae_L1 mean 104 HU, <= 110 HU")
    assert f"; {words} (Contrast/Bolus Agent (0018,0010)); L1 read." in screened
    unscreened = density_line(_study(None, phase))
    assert unscreened == (
        f"Bone density: not screened (no usable level); {words} (Contrast/Bolus Agent (0018,0010))."
    )
