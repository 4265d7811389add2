"""Benchmark: reading CT series and writing SEG + SR, each beside a baseline of the same run.

1. Reading: ``kypho.interop.dicom.series.read_series`` (headers, every check, HU volume)
   against pydicom alone reading the same files (``dcmread`` + ``pixel_array``, stacked),
   on the shared 20-slice JPEG 2000 series (UIDs filled in on a temporary copy) and on a
   synthetic uncompressed 512 x 512 x 600 series written to a temporary folder.
2. Writing: kypho's SEG + SR (``workflows.measure_dicom.dicom_results``, then encoded)
   against highdicom's own creation of the same SEG (``hd.seg.Segmentation`` on the same
   frames and segments, encoded), on the shared series with its NIfTI segmentation.
3. Bone density: ``measure_ct`` with ``density=True`` against ``density=False`` (the
   same CT and mask, the same run): the added cost of decoding the HU and the trabecular
   statistics, and the statistics alone (``spine_density`` + the screen, on HU already
   decoded). ``--density`` runs only this part (a few seconds).

Before figures are printed, each result is checked (shape, HU equal to the baseline's,
levels present). Each side runs ``REPEATS`` times, interleaved; ratios use the fastest.
Asserts nothing about timings. Run: ``.venv/bin/python bench/bench_dicom.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "interop" / "dicom")]
from kypho_dicom_support import (  # noqa: E402
    EXAMPLE_CT,
    EXAMPLE_SEG_NIFTI,
    example_series,
    synthetic_slice,
    write_series,
)

from kypho.interop.dicom.series import read_hu, read_series  # noqa: E402
from kypho.morphometry.density import spine_density, study_density  # noqa: E402
from kypho.workflows.measure_dicom import dicom_results, encoded, measure_ct  # noqa: E402

REPEATS = 3
BIG = (512, 512, 600)


def fastest(*steps: Callable[[], Any]) -> list[float]:
    """The fastest of ``REPEATS`` interleaved runs of each step (s)."""
    best = [float("inf")] * len(steps)
    for _ in range(REPEATS):
        for n, step in enumerate(steps):
            start = time.perf_counter()
            step()
            best[n] = min(best[n], time.perf_counter() - start)
    return best


def pydicom_read(folder: Path) -> np.ndarray:
    """The baseline: pydicom alone, sorted by position, HU by the rescale."""
    found = []
    for path in sorted(folder.iterdir()):
        ds = pydicom.dcmread(path)
        hu = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
        found.append((float(ds.ImagePositionPatient[2]), hu.astype(np.int16)))
    found.sort(key=lambda item: item[0])
    return np.stack([hu for _, hu in found])


def big_series(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    plane = rng.integers(0, 2000, size=BIG[:2], dtype=np.uint16)
    slices = []
    for k in range(BIG[2]):
        ds = synthetic_slice(position=(-250.0, -250.0, 1.0 * k), number=k + 1, size=BIG[0])
        ds.PixelSpacing = [0.8, 0.8]
        ds.PixelData = np.roll(plane, k, axis=0).tobytes()
        slices.append(ds)
    return write_series(folder, slices)


def report_read(name: str, folder: Path) -> None:
    ours = read_series(folder).hu
    theirs = pydicom_read(folder)
    if ours is None or not np.array_equal(ours, theirs.transpose(2, 1, 0)):
        raise SystemExit(f"{name}: kypho's HU differ from pydicom's; no figures")
    t_kypho, t_pydicom = fastest(lambda: read_series(folder), lambda: pydicom_read(folder))
    print(
        f"read {name:28} pydicom {t_pydicom:7.2f} s   kypho {t_kypho:7.2f} s   "
        f"ratio {t_kypho / t_pydicom:5.2f}"
    )


def report_write(ct: Path) -> None:
    measured = measure_ct(ct, EXAMPLE_SEG_NIFTI)
    if {lv.structure for lv in measured.spine.levels} != {"T11", "T12"}:
        raise SystemExit("example: expected T11 and T12 measured; no figures")
    seg, _ = dicom_results(measured)
    frames = seg  # highdicom's own: the same frames and segments, nothing else
    numbers = {name: n for n, (_, name) in enumerate(sorted(measured.structures.items()), 1)}
    lookup = np.zeros(int(measured.labels.max()) + 1, dtype=np.uint8)
    for label, name in measured.structures.items():
        lookup[label] = numbers[name]
    planes = lookup[np.transpose(measured.labels, (2, 1, 0))]
    descriptions = [frames.SegmentSequence[n] for n in range(len(numbers))]

    def bare() -> bytes:
        made = hd.seg.Segmentation(
            source_images=list(measured.ct.headers),
            pixel_array=planes,
            segmentation_type="BINARY",
            segment_descriptions=[hd.seg.SegmentDescription.from_dataset(d) for d in descriptions],
            series_instance_uid=hd.UID(),
            series_number=1,
            sop_instance_uid=hd.UID(),
            instance_number=1,
            manufacturer="x",
            manufacturer_model_name="x",
            software_versions="x",
            device_serial_number="x",
        )
        buffer = BytesIO()
        made.save_as(buffer)
        return buffer.getvalue()

    def ours() -> tuple[bytes, bytes]:
        seg_ds, sr_ds = dicom_results(measured)
        return encoded(seg_ds), encoded(sr_ds)

    t_ours, t_bare = fastest(ours, bare)
    print(
        f"write SEG+SR (20 slices, 2 levels) highdicom SEG alone {t_bare:6.2f} s   "
        f"kypho SEG+SR {t_ours:6.2f} s   ratio {t_ours / t_bare:5.2f}"
    )


def report_density(ct: Path) -> None:
    with_hu = measure_ct(ct, EXAMPLE_SEG_NIFTI, density=True)
    if with_hu.density is None or not with_hu.density.levels:
        raise SystemExit("example: expected trabecular HU per level; no figures")
    series = read_hu(with_hu.ct)
    labels, names = with_hu.labels, with_hu.structures

    def stats() -> Any:
        found = spine_density(series.hu, labels, names=names, spacing_mm=series.geometry.spacing_mm)
        return study_density(found, with_hu.spine)

    t_plain, t_density, t_stats = fastest(
        lambda: measure_ct(ct, EXAMPLE_SEG_NIFTI),
        lambda: measure_ct(ct, EXAMPLE_SEG_NIFTI, density=True),
        stats,
    )
    print(
        f"density (20 slices, {len(names)} levels) measure {t_plain:6.2f} s   "
        f"measure+density {t_density:6.2f} s   added {t_density - t_plain:6.2f} s "
        f"({(t_density / t_plain - 1) * 100:4.0f} %)   HU statistics alone {t_stats * 1000:6.1f} ms"
    )


def main() -> None:
    if not EXAMPLE_CT.is_dir():
        raise SystemExit(f"shared example absent: {EXAMPLE_CT}")
    with tempfile.TemporaryDirectory(prefix="kypho-bench-dicom-") as work:
        root = Path(work)
        ct = example_series(root / "example")
        report_density(ct)
        if "--density" in sys.argv[1:]:
            return
        report_read("example 512x512x20 JPEG2000", ct)
        report_write(ct)
        start = time.perf_counter()
        big = big_series(root / "big")
        print(f"(writing the synthetic {BIG} series took {time.perf_counter() - start:.1f} s)")
        report_read("synthetic 512x512x600 raw", big)


if __name__ == "__main__":
    main()
