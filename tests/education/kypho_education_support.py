"""Shared helpers for the education tests: phantom segments, the example case, FK grade.

The phantoms (``tests/phantoms.py``) have known heights: neighbours 26 mm, the level
under test as specified. A phantom is written to a real NIfTI file and read back with
the project's loader, as ``kypho educate --mask`` reads it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from kypho.casefile import load_case
from kypho.domain.case import Case
from kypho.imaging.nifti import LabelImage, load_labels
from kypho.rules import Policy, load_policy
from phantoms import TOTAL_IDS, Phantom, VertebraSpec, normal, spine, write_nifti

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
CASE_L1 = EXAMPLES / "01-acute-l1-worsening-candidate.json"  # L1, bipedicular, 4.5-6.0 mL
ON = date(2026, 11, 21)
NEIGHBOUR_HEIGHT_MM = 26.0  # the phantoms' normal height: the height before the fracture
# Largest mean gain one series reports after kyphoplasty (middle height, 2.1 mm;
# clinical-reference 3.4, https://pmc.ncbi.nlm.nih.gov/articles/PMC6147886).
LARGEST_REPORTED_GAIN_MM = 2.1
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def segment(
    middle: VertebraSpec,
    *,
    tilts_deg: list[float] | None = None,
    spacing_mm: tuple[float, float, float] = (1.0, 1.0, 1.0),
    seed: int = 0,
) -> Phantom:
    """T12, ``middle`` (an L1 spec) and L2, in TotalSegmentator ids."""
    return spine(
        [normal("T12"), middle, normal("L2")],
        label_ids=TOTAL_IDS,
        tilts_deg=tilts_deg,
        spacing_mm=spacing_mm,
        seed=seed,
    )


def as_image(phantom: Phantom, folder: Path, name: str = "mask.nii.gz") -> LabelImage:
    path = folder / name
    write_nifti(phantom, path)
    return load_labels(path)


def case_l1() -> Case:
    return load_case(CASE_L1)


def practice() -> Policy:
    return load_policy("practice")


def fk_grade(text: str, monkeypatch: object) -> float:
    """textstat's Flesch-Kincaid grade, as ``tests/documents`` measures the consent.

    textstat counts syllables with NLTK's CMU dictionary where installed; offline, its
    own fallback (pyphen) counts them.
    """
    import nltk
    import textstat
    import textstat.backend.counts._count_syllables as counting

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        monkeypatch.setattr(counting, "get_cmudict", lambda lang: None)  # type: ignore[attr-defined]
    return float(textstat.flesch_kincaid_grade(text))


def station_heights(mesh, frame) -> np.ndarray:  # noqa: ANN001
    """The mesh's height through each station, along the body's superior axis (mm)."""
    from kypho.education.anatomy import height_through

    return np.array([
        height_through(mesh.vertices, mesh.faces, frame.world(np.array([u, 0.0, 0.0])),
                       frame.superior)
        for u in frame.station_u_mm
    ])  # fmt: skip


# Landmarks phantoms (kypho-landmarks/1), written by hand in a 2-D sagittal (AS) frame:
# the heights are known by construction. Stations at +-half the depth (the walls).
def box_as(depth_mm: float, heights_mm: tuple[float, float, float], centre_s_mm: float,
           *, anterior_shift_mm: float = 0.0) -> dict[str, list[float]]:  # fmt: skip
    """Six points of a body ``depth_mm`` deep with (anterior, middle, posterior) heights,
    symmetric about its centre (anterior, superior) = (anterior_shift_mm, centre_s_mm)."""
    u = {"anterior": depth_mm / 2, "middle": 0.0, "posterior": -depth_mm / 2}
    h = dict(zip(("anterior", "middle", "posterior"), heights_mm, strict=True))
    return {
        f"{end}_{st}": [anterior_shift_mm + u[st], centre_s_mm + sign * h[st] / 2]
        for end, sign in (("superior", 1.0), ("inferior", -1.0))
        for st in ("anterior", "middle", "posterior")
    }


WEDGE_L1_MM = (15.0, 20.0, 26.0)  # anterior, middle, posterior: a wedge below 26 mm neighbours


def landmark_levels(
    l1_mm: tuple[float, float, float] = WEDGE_L1_MM, levels: tuple[str, ...] = ("T12", "L1", "L2")
) -> dict[str, object]:
    """T12 and L2 of 26 mm (the height before the fracture), L1 as given, 36 mm apart."""
    centres = {"T11": 72.0, "T12": 36.0, "L1": 0.0, "L2": -36.0, "L3": -72.0}
    return {name: box_as(30.0, l1_mm if name == "L1" else (26.0, 26.0, 26.0), centres[name])
            for name in levels}  # fmt: skip


def write_landmarks(path: Path, levels: dict[str, object], frame: str = "AS") -> Path:
    import json

    doc = {"format": "kypho-landmarks/1", "frame": frame, "levels": levels}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def tilted_lps(levels: dict[str, dict[str, list[float]]], *, tilt_deg: float,
               x_mm: float) -> dict[str, object]:  # fmt: skip
    """AS points turned by ``tilt_deg`` in the sagittal plane, at RAS x, written as LPS."""
    import math

    t = math.radians(tilt_deg)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    out: dict[str, object] = {}
    for name, points in levels.items():
        turned = {}
        for key, p in points.items():
            a, s = rot @ np.asarray(p)
            turned[key] = [-x_mm, -float(a), float(s)]  # RAS (x, a, s) -> LPS (-x, -a, s)
        out[name] = turned
    return out
