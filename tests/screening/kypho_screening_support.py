"""A synthetic archive with known answers, and a screen that leaves a file per call.

``build_archive`` writes, from ``tests/phantoms.py`` spines (T12-L3, TotalSegmentator
ids): fractured spines (wedge, biconcave, crush; Genant 2 or 3 by design, at L1 or L2)
and normal spines at several spacings, some with a CT whose trabecular HU is known, plus
corrupt, truncated, huge, empty and label-swapped studies. ``Truth`` says what each
should give; nothing in it is computed by the code under test.
"""

from __future__ import annotations

import functools
import gzip
import os
import struct
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nibabel as nib
import numpy as np
from scipy import ndimage

from kypho.screening.study import screen_study
from kypho.screening.types import ScreenOptions, Study, StudyResult
from phantoms import TOTAL_IDS, Phantom, VertebraSpec, biconcave, crush, normal, spine, wedge

LEVELS = ("T12", "L1", "L2", "L3")
# TotalSegmentator's own resampling (1.5 mm) and thick or thin slices around it.
SPACINGS_MM = ((1.5, 1.5, 1.5), (1.25, 1.25, 2.0), (1.5, 1.5, 1.0), (1.2, 1.2, 1.5))
# By hand, against 26 mm neighbours: 1 - 12/26 = 54 % (grade 3), 1 - 17.7/26 = 32 %
# (grade 2, mid-range, so one sampling step cannot move it across 25 % or 40 %).
SEVERE_MM, MODERATE_MM = 12.0, 17.7
FRACTURES = (
    ("wedge", 3, lambda n: wedge(n, anterior_height_mm=SEVERE_MM)),
    ("wedge", 2, lambda n: wedge(n, anterior_height_mm=MODERATE_MM)),
    ("biconcave", 2, lambda n: biconcave(n, middle_height_mm=MODERATE_MM)),
    ("crush", 3, lambda n: crush(n, height_mm=SEVERE_MM)),
    ("biconcave", 3, lambda n: biconcave(n, middle_height_mm=SEVERE_MM)),
)
CORTEX_HU, OUTSIDE_HU = 700.0, -50.0
# Marrow HU on each side of Pickhardt's thresholds -> the expected flag.
MARROW = ((90.0, "low (<= 110 HU)"), (140.0, "low (<= 160 HU)"), (220.0, "not low (> 160 HU)"))


@dataclass
class Truth:
    """What each study of the archive holds (by its id)."""

    root: Path
    fractures: dict[str, dict[str, int]] = field(default_factory=dict)  # id -> level: grade
    normal: set[str] = field(default_factory=set)
    bad: dict[str, str] = field(default_factory=dict)  # id -> words its reason must contain
    density: dict[str, str] = field(default_factory=dict)  # id -> expected flag at L1
    bad_ct: set[str] = field(default_factory=set)
    swapped: str = ""


def _write_ct(path: Path, labels: np.ndarray, affine: np.ndarray, marrow_hu: float) -> None:
    """HU: marrow inside each vertebra, a 2-voxel dense shell, soft tissue outside."""
    ct = np.full(labels.shape, OUTSIDE_HU, dtype=np.int16)
    bone = labels > 0
    ct[bone] = CORTEX_HU
    ct[ndimage.binary_erosion(bone, iterations=2)] = marrow_hu
    nib.save(nib.Nifti1Image(ct, affine), str(path))


@functools.cache
def _phantom(specs: tuple[VertebraSpec, ...], spacing_mm: tuple[float, float, float]) -> Phantom:
    return spine(list(specs), spacing_mm=spacing_mm, label_ids=TOTAL_IDS)


def _study(root: Path, name: str, specs: list[VertebraSpec], n: int, **kw: object) -> Path:
    ph = _phantom(tuple(specs), SPACINGS_MM[n % len(SPACINGS_MM)])
    folder = root / name
    folder.mkdir()
    nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(folder / "mask.nii.gz"))
    marrow = kw.get("marrow_hu")
    if isinstance(marrow, float):
        _write_ct(folder / "ct.nii.gz", ph.labels, ph.affine, marrow)
    return folder


def _fractured(root: Path, truth: Truth) -> None:
    for n in range(20):
        kind, grade, make = FRACTURES[n % len(FRACTURES)]
        level = ("L1", "L2")[n % 2]
        specs = [make(lv) if lv == level else normal(lv) for lv in LEVELS]
        name = f"fracture-{n:02d}-{kind}-{level}-g{grade}"
        marrow = MARROW[n % 3] if n % 4 == 0 else None
        _study(root, name, specs, n, marrow_hu=marrow[0] if marrow else None)
        truth.fractures[name] = {level: grade}
        if marrow:
            truth.density[name] = marrow[1]


def _normals(root: Path, truth: Truth) -> None:
    for n in range(24):
        name = f"normal-{n:02d}"
        # Bodies grow caudally by 0.5 mm a level (a normal spine is not uniform).
        specs = [normal(lv, 25.0 + 0.5 * i + (n % 2) * 1.0) for i, lv in enumerate(LEVELS)]
        marrow = MARROW[n % 3] if n % 2 == 0 else None
        _study(root, name, specs, n, marrow_hu=marrow[0] if marrow else None)
        truth.normal.add(name)
        if marrow:
            truth.density[name] = marrow[1]


def _corrupt(root: Path, truth: Truth, good: Path) -> None:
    rng = np.random.default_rng(7)
    (root / "corrupt-random.nii.gz").write_bytes(rng.bytes(3000))
    truth.bad["corrupt-random"] = "expected"
    damaged = bytearray(gzip.compress(good.read_bytes()))
    damaged[40:600] = rng.bytes(560)
    (root / "corrupt-gzip.nii.gz").write_bytes(bytes(damaged))
    truth.bad["corrupt-gzip"] = "gzip"
    (root / "truncated-gz.nii.gz").write_bytes(gzip.compress(good.read_bytes())[:1500])
    truth.bad["truncated-gz"] = "truncated"
    raw = good.read_bytes()
    (root / "truncated-raw.nii").write_bytes(raw[: len(raw) // 2])
    truth.bad["truncated-raw"] = "truncated"
    header = bytearray(good.read_bytes()[:352])
    struct.pack_into("<8h", header, 40, 3, 4096, 4096, 4096, 1, 1, 1, 1)  # dim[]
    (root / "huge.nii").write_bytes(bytes(header))
    truth.bad["huge"] = "above the limit"
    (root / "empty-folder").mkdir()
    truth.bad["empty-folder"] = "expected TotalSegmentator files"


def build_archive(root: Path) -> Truth:
    """Write the archive under ``root`` (about 52 studies) and return its truth."""
    truth = Truth(root=root)
    _fractured(root, truth)
    _normals(root, truth)
    raw = root.parent / "good.nii"
    ph = spine([normal(lv) for lv in LEVELS], label_ids=TOTAL_IDS)
    nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(raw))
    _corrupt(root, truth, raw)
    swapped_ids = TOTAL_IDS | {"L1": TOTAL_IDS["L2"], "L2": TOTAL_IDS["L1"]}
    sw = spine([normal(lv) for lv in LEVELS], label_ids=swapped_ids)
    (root / "swapped").mkdir()
    nib.save(nib.Nifti1Image(sw.labels, sw.affine), str(root / "swapped" / "mask.nii.gz"))
    truth.swapped = "swapped"
    bad_ct = _study(root, "bad-ct", [normal(lv) for lv in LEVELS], 0)
    nib.save(nib.Nifti1Image(np.zeros((5, 5, 5), np.int16), np.eye(4)), str(bad_ct / "ct.nii.gz"))
    truth.bad_ct.add("bad-ct")
    truth.normal.add("bad-ct")
    return truth


@dataclass(frozen=True)
class CountingScreen:
    """``screen_study``, leaving one file in ``calls`` per call (named by study key).

    A real callable the workers import (this module is on their path), not a mock: it
    measures as ``screen_study`` does, and proves by files how often it ran.
    """

    calls: Path

    def __call__(self, study: Study, options: ScreenOptions) -> StudyResult:
        (self.calls / f"{study.key}-{os.getpid()}-{uuid.uuid4().hex}").touch()
        return screen_study(study, options)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for path in self.calls.iterdir():
            key = path.name.split("-")[0]
            found[key] = found.get(key, 0) + 1
        return found
