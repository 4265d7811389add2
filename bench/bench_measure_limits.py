"""Benchmark: peak memory of ``kypho measure`` on the largest input the limits allow.

Issue 15 item 3: peak memory within about 2.5 times the decompressed volume. The input
is the phantom spine of ``bench_measure`` (24 vertebrae, known heights, L1 a wedge)
centred in a volume of exactly ``Settings.max_image_voxels`` voxels (512 x 512 x 2048)
of the chosen label type, gzip-compressed. Before any figure is printed the run is
checked as ``bench_measure`` checks it (every level measured, heights within a voxel
diagonal, L1 grade 3 wedge); a failed check prints no figure.

Run: .venv/bin/python bench/bench_measure_limits.py [--dtype uint8|int16|int32|float32]
Prints the decompressed size, kypho's peak RSS (child process, ru_maxrss via os.wait4),
the ratio, and the time. Asserts nothing about the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_measure import SPACING_MM, check, specs, timed  # noqa: E402
from kypho.imaging.nifti import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_VOXELS  # noqa: E402
from phantoms import TOTAL_IDS, spine  # noqa: E402

SHAPE = (512, 512, 2048)  # = DEFAULT_MAX_VOXELS, the largest volume allowed


def build(path: Path, dtype: str) -> int:
    """The phantom spine centred in ``SHAPE``; returns the decompressed bytes of the data."""
    ph = spine(specs(), spacing_mm=SPACING_MM, disc_mm=6.0, label_ids=TOTAL_IDS)
    offset = (np.asarray(SHAPE) - ph.labels.shape) // 2
    data = np.zeros(SHAPE, dtype=dtype, order="F")
    x, y, z = (slice(o, o + n) for o, n in zip(offset, ph.labels.shape, strict=True))
    data[x, y, z] = ph.labels
    affine = ph.affine.copy()
    affine[:3, 3] -= affine[:3, :3] @ offset
    nib.save(nib.Nifti1Image(data, affine), path)
    return int(data.nbytes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="uint8", choices=["uint8", "int16", "int32", "float32"])
    args = parser.parse_args(argv)
    if int(np.prod(SHAPE)) != DEFAULT_MAX_VOXELS:
        raise SystemExit(f"{SHAPE} is not the voxel limit {DEFAULT_MAX_VOXELS:,}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "largest.nii.gz"
        size = build(path, args.dtype)
        if size + 352 > DEFAULT_MAX_FILE_BYTES:
            raise SystemExit(f"{size:,} bytes of {args.dtype} exceed the byte limit")
        cmd = [sys.executable, "-m", "kypho.cli", "measure", str(path), "--format", "json"]
        seconds, rss, out = timed(cmd)
        on_disk = path.stat().st_size
    faults = check(json.loads(out))
    if faults:
        raise SystemExit("benchmark did not do the work it measured:\n  " + "\n  ".join(faults))
    print(
        f"volume {SHAPE} {args.dtype}: decompressed {size / 2**20:.0f} MiB "
        f"(gzip {on_disk / 2**20:.1f} MiB); checked: {len(specs())} levels measured"
    )
    print(f"kypho measure: {seconds:.1f} s, peak {rss / 2**20:.0f} MiB")
    print(f"peak memory {rss / size:.2f}x the decompressed volume (aim <= 2.5)")


if __name__ == "__main__":
    main()
