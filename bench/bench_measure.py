"""Benchmark: kypho measure end to end vs nibabel's bare load, on a 512x512x600 spine.

Prints the baseline (nibabel load into an array, in a child process), kypho measure's
end-to-end time and peak memory (child process, ru_maxrss), and the ratios. Asserts
nothing about timings. Peak memory is the child's ru_maxrss (os.wait4). Each side runs
``REPEATS`` times, interleaved, and the ratio uses the fastest of each: on a shared
machine the slowest runs measure the neighbours, not the code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

SHAPE = (512, 512, 600)
SPACING_MM = (0.8, 0.8, 1.0)
LEVELS = 24
REPEATS = 3


def build(path: Path) -> None:
    data = np.zeros(SHAPE, dtype=np.uint8, order="F")
    z_mm = np.arange(SHAPE[2]) * SPACING_MM[2]
    yy, xx = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]]
    x_mm, y_mm = xx * SPACING_MM[1], yy * SPACING_MM[0]
    body = ((x_mm - 205) / 22) ** 2 + ((y_mm - 230) / 16) ** 2 <= 1
    arch = (
        (np.abs(x_mm - 205) < 12)
        & (y_mm > 258)
        & (y_mm < 300)
        & ~((np.abs(x_mm - 205) < 8) & (y_mm < 270))
    )
    for level in range(LEVELS):
        top = 590 - level * 24.5
        rows = (z_mm < top) & (z_mm > top - 17)
        data[:, :, rows] = np.where((body | arch)[:, :, None], 50 - level, 0)[:, :, : rows.sum()]
    nib.save(nib.Nifti1Image(data, np.diag([*SPACING_MM, 1.0])), path)


def timed(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{cmd} failed with status {status}")
    return time.perf_counter() - start, usage.ru_maxrss * 1024


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
    base_s, base_rss = min(t for t, _ in base), max(m for _, m in base)
    kypho_s, kypho_rss = min(t for t, _ in kypho), max(m for _, m in kypho)
    print("runs (s): baseline " + " ".join(f"{t:.2f}" for t, _ in base), end="; ")
    print("kypho " + " ".join(f"{t:.2f}" for t, _ in kypho))
    print(f"volume: {SHAPE} uint8, {LEVELS} levels, decompressed {size / 2**20:.0f} MiB")
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
