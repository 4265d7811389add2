"""Benchmark: kypho measure end to end vs nibabel's bare load, on a 512x512x600 spine.

The volume holds 24 phantom vertebrae (C1 to L5, ``tests/phantoms.py``: bodies, pedicles,
lamina, spinous processes and an empty canal, with known heights; L1 a wedge fracture),
on a 0.8 x 0.8 x 1.0 mm grid. Before any figure is printed the benchmark checks that
kypho did the work it was timed on: every level measured (not ``poor``), every level
from C3 down graded, each height within one voxel diagonal of the truth and L1 graded 3
(a wedge). A failed check stops the run with the reason and prints no figure.

Prints the baseline (nibabel load into an array, in a child process, in the same run),
kypho measure's end-to-end time and peak memory (child process, ru_maxrss via os.wait4),
and the ratios. Asserts nothing about timings. Each side runs ``REPEATS`` times,
interleaved, and the ratio uses the fastest of each: on a shared machine the slowest
runs measure the neighbours, not the code.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from phantoms import TOTAL_IDS, VertebraSpec, normal, spine, wedge  # noqa: E402

SHAPE = (512, 512, 600)
SPACING_MM = (0.8, 0.8, 1.0)
NAMES = [*(f"C{i}" for i in range(1, 8)), *(f"T{i}" for i in range(1, 13))]
NAMES += [f"L{i}" for i in range(1, 6)]
HEIGHT_MM = 16.0  # 24 bodies of 16 mm with 6 mm discs fit 600 slices of 1 mm
FRACTURE = wedge("L1", anterior_height_mm=9.0, posterior_height_mm=HEIGHT_MM)
# By hand: 1 - 9/16 = 43.75 % against the neighbours' 16 mm: grade 3, a wedge.
FRACTURE_GRADE = 3
UNGRADED = {"C1", "C2"}  # Genant grading covers C3-L6
REPEATS = 3


def specs() -> list[VertebraSpec]:
    return [FRACTURE if n == "L1" else normal(n, HEIGHT_MM) for n in NAMES]


def build(path: Path) -> None:
    """The phantom spine, centred in a ``SHAPE`` volume."""
    ph = spine(specs(), spacing_mm=SPACING_MM, disc_mm=6.0, label_ids=TOTAL_IDS)
    offset = (np.asarray(SHAPE) - ph.labels.shape) // 2
    if (offset < 0).any():
        raise SystemExit(f"phantom {ph.labels.shape} does not fit {SHAPE}")
    data = np.zeros(SHAPE, dtype=np.uint8)
    x, y, z = (slice(o, o + n) for o, n in zip(offset, ph.labels.shape, strict=True))
    data[x, y, z] = ph.labels
    affine = ph.affine.copy()
    affine[:3, 3] -= affine[:3, :3] @ offset
    nib.save(nib.Nifti1Image(data, affine), path)


def check(doc: dict[str, Any]) -> list[str]:
    """What is wrong with the measured levels (empty: the timed run did the work)."""
    truth = {s.structure: s for s in specs()}
    levels = {lv["level"]: lv for lv in doc["levels"]}
    tolerance_mm = math.hypot(*SPACING_MM)
    faults = [f"levels measured: {sorted(levels)}"] if set(levels) != set(NAMES) else []
    for name, lv in levels.items():
        if lv["quality"] == "poor":
            faults.append(f"{name}: poor ({'; '.join(lv['quality_reasons'])})")
            continue
        spec = truth[name]
        for key in ("anterior", "middle", "posterior"):
            got, want = lv[f"{key}_height_mm"], getattr(spec, f"{key}_height_mm")
            if got is None or abs(got - want) > tolerance_mm:
                faults.append(f"{name}: {key} height {got} mm, truth {want} mm")
        if name not in UNGRADED and lv["genant_grade"] is None:
            faults.append(f"{name}: not graded")
    l1 = levels.get("L1", {})
    if (l1.get("genant_grade"), l1.get("morphology")) != (FRACTURE_GRADE, "wedge"):
        faults.append(f"L1: grade {l1.get('genant_grade')} {l1.get('morphology')}, want 3 wedge")
    return faults


def timed(cmd: list[str]) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{cmd} failed with status {status}")
    return time.perf_counter() - start, usage.ru_maxrss * 1024, out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spine.nii.gz"
        build(path)
        size = int(np.prod(SHAPE))
        load = f"import nibabel, numpy; numpy.asanyarray(nibabel.load({str(path)!r}).dataobj)"
        measure = [sys.executable, "-m", "kypho.cli", "measure", str(path), "--format", "json"]
        base, kypho = [], []
        for _ in range(REPEATS):
            base.append(timed([sys.executable, "-c", load]))
            kypho.append(timed(measure))
    for _, _, out in kypho:
        faults = check(json.loads(out))
        if faults:
            raise SystemExit("benchmark did not do the work it timed:\n  " + "\n  ".join(faults))
    base_s, base_rss = min(t for t, _, _ in base), max(m for _, m, _ in base)
    kypho_s, kypho_rss = min(t for t, _, _ in kypho), max(m for _, m, _ in kypho)
    print("runs (s): baseline " + " ".join(f"{t:.2f}" for t, _, _ in base), end="; ")
    print("kypho " + " ".join(f"{t:.2f}" for t, _, _ in kypho))
    print(
        f"volume: {SHAPE} uint8, {len(NAMES)} levels, decompressed {size / 2**20:.0f} MiB; "
        f"checked: {len(NAMES)} measured, {len(NAMES) - len(UNGRADED)} graded, "
        f"heights within {math.hypot(*SPACING_MM):.2f} mm, L1 grade 3 wedge"
    )
    print(
        f"baseline nibabel load (fastest child): {base_s:6.2f} s  peak {base_rss / 2**20:6.0f} MiB"
    )
    print(
        f"kypho measure end to end (fastest)   : {kypho_s:6.2f} s  "
        f"peak {kypho_rss / 2**20:6.0f} MiB"
    )
    print(
        f"time ratio {kypho_s / base_s:.2f}x (require <= 2, aim <= 1.5); "
        f"peak memory {kypho_rss / size:.2f}x the decompressed volume (require <= 3)"
    )


if __name__ == "__main__":
    main()
