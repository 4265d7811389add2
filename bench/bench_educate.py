"""Benchmark: patient education per patient, beside marching cubes alone on the same mask.

Run: .venv/bin/python bench/bench_educate.py [ROUNDS]   (default 3)

On one phantom mask (T12, a wedge-fractured L1, L2 at 1 mm; ``tests/phantoms.py``) and
the example case EX-01, in one process, each figure the best of ROUNDS:

- baseline: ``skimage.measure.marching_cubes`` on the three vertebrae's masks, nothing
  else (no blur, smoothing, frame, plan or drawing);
- meshes: ``vertebra_mesh`` for the three (blur, bounded marching cubes, Taubin);
- prepare: ``prepare_education`` (measure the mask, plan, meshes, steps);
- HTML + GIF: ``educate_case`` (everything: the page, the GIF, the key frames).
- from landmarks (2-D): ``educate_case(..., landmarks=)`` on the same phantom's six
  points (``Phantom.six_points_mm``: T12, L1, L2 as ``kypho-landmarks/1``, RAS), all of it.

The target is HTML + GIF under 5 s per patient on this machine (issue 14). The baseline
and the others take turns in each round, so a busy machine slows all alike.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from kypho.casefile import load_case  # noqa: E402
from kypho.education.sideview import LandmarkFile  # noqa: E402
from kypho.imaging.landmarks import load_landmarks  # noqa: E402
from kypho.imaging.nifti import load_labels  # noqa: E402
from kypho.rules import load_policy  # noqa: E402
from phantoms import TOTAL_IDS, Phantom, normal, spine, wedge, write_nifti  # noqa: E402

TARGET_S = 5.0
CASE = ROOT / "examples" / "cases" / "01-acute-l1-worsening-candidate.json"
ON = date(2026, 11, 21)


def best(loops: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, loop in loops.items():
            start = time.perf_counter()
            loop()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def _landmarks(phantom: Phantom, folder: Path) -> LandmarkFile:
    """The phantom's six points of T12-L1-L2 as a landmarks file, read back."""
    levels = {s: {k: [float(x) for x in v] for k, v in phantom.six_points_mm(s).items()}
              for s in ("T12", "L1", "L2")}  # fmt: skip
    path = folder / "landmarks.json"
    doc = {"format": "kypho-landmarks/1", "frame": "RAS", "levels": levels}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return LandmarkFile(path=path, spine=load_landmarks(path))


def main(rounds: int) -> None:
    from skimage.measure import marching_cubes

    from kypho.education.mesh import vertebra_mesh
    from kypho.workflows.educate import educate_case, prepare_education

    phantom = spine([normal("T12"), wedge("L1", anterior_height_mm=15.0), normal("L2")],
                    label_ids=TOTAL_IDS, tilts_deg=[0.0, 6.0, 12.0])  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mask.nii.gz"
        write_nifti(phantom, path)
        image = load_labels(path)
        points = _landmarks(phantom, Path(folder))
    case, policy = load_case(CASE), load_policy("practice")
    masks = [image.labels == TOTAL_IDS[s] for s in ("T12", "L1", "L2")]
    affine = image.geometry.affine
    made = educate_case(case, policy, on=ON, mask=image)  # warm: imports, first draw
    loops: dict[str, Callable[[], object]] = {
        "baseline: marching cubes x3": lambda: [
            marching_cubes(np.asarray(m, np.float32), level=0.5) for m in masks
        ],
        "meshes x3 (blur, bounded MC, Taubin)": lambda: [
            vertebra_mesh(m, affine, structure=s) for m, s in zip(masks, "ABC", strict=True)
        ],
        "prepare (measure, plan, meshes, steps)": lambda: prepare_education(
            case, policy, on=ON, mask=image
        ),
        "HTML + GIF (educate_case)": lambda: educate_case(case, policy, on=ON, mask=image),
        "from landmarks (2-D): HTML + GIF": lambda: educate_case(
            case,
            policy,
            on=ON,
            landmarks=points,
        ),
    }
    found = best(loops, rounds)
    base = found["baseline: marching cubes x3"]
    print(f"mask {image.labels.shape} voxels, 1 mm; best of {rounds} rounds")
    for name, seconds in found.items():
        print(f"  {name:40s} {seconds:7.3f} s   {seconds / base:6.1f} x baseline")
    html_mb = len(made.html.encode("utf-8")) / 1e6
    print(f"  page {html_mb:.1f} MB, GIF {len(made.animation.gif) / 1e3:.0f} kB "
          f"({made.animation.frame_count} frames), "
          f"{sum(p.mesh.triangles for p in made.procedure.steps[0].frames[0])} triangles"
          )  # fmt: skip
    flat = educate_case(case, policy, on=ON, landmarks=points)
    page_kb, gif_kb = len(flat.html.encode("utf-8")) / 1e3, len(flat.animation.gif) / 1e3
    print(f"  from landmarks: page {page_kb:.0f} kB, GIF {gif_kb:.0f} kB "
          f"({flat.animation.frame_count} frames)")  # fmt: skip
    total = found["HTML + GIF (educate_case)"]
    verdict = "within" if total <= TARGET_S else "ABOVE"
    print(f"HTML + GIF per patient: {total:.2f} s, {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
