"""``kypho screen`` end to end: exit statuses, outputs, ``--scheduler``, ``--resume``.

Until ``screen`` is in ``kypho.cli``'s command tuple, the command is registered on a
typer app of its own here, and ``run`` maps ``InvalidInput`` to exit status 2 as
``kypho.cli.main`` does.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import nibabel as nib
import numpy as np
import pyarrow.parquet as pq
import pytest
import typer

from kypho.commands.screen import register
from kypho.errors import InvalidInput
from kypho.screening import local_client
from phantoms import TOTAL_IDS, normal, spine, wedge

LEVELS = ("T12", "L1", "L2", "L3")


def run(argv: list[str]) -> int:
    app = typer.Typer(add_completion=False)
    register(app)

    @app.callback()
    def _root() -> None:
        """kypho (test harness)."""

    try:
        typer.main.get_command(app).main(args=argv, prog_name="kypho")
    except SystemExit as done:
        return int(done.code or 0)
    except InvalidInput as err:
        typer.echo(f"kypho: error: {err}", err=True)
        return 2
    return 0


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two spines (one with a grade 3 wedge at L1, 1 - 12/26 = 54 %) and a corrupt file."""
    root = tmp_path_factory.mktemp("small")
    for name, specs in (
        (
            "fractured",
            [wedge(lv, anterior_height_mm=12.0) if lv == "L1" else normal(lv) for lv in LEVELS],
        ),
        ("normal", [normal(lv) for lv in LEVELS]),
    ):
        ph = spine(specs, spacing_mm=(1.5, 1.5, 1.5), label_ids=TOTAL_IDS)
        nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(root / f"{name}.nii.gz"))
    (root / "broken.nii.gz").write_bytes(b"not a nifti file at all" * 20)
    return root


def _manifest(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["study_id", "mask"])
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with local_client(workers=1, memory_limit="1GiB") as client:
        yield client.scheduler.address


def test_some_failed_exits_1_and_lists_them_on_a_local_cluster(
    archive: Path, tmp_path: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(["screen", str(archive), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    text = capsys.readouterr().out
    assert "3 studies: 3 screened now, 0 already done, 1 not screened" in text
    assert f"not screened: broken: {archive / 'broken.nii.gz'}: expected a NIfTI" in text
    rows = pq.read_table(out / "screening.parquet").to_pylist()
    assert {r["study_id"] for r in rows} == {"broken", "fractured", "normal"}
    (l1,) = [r for r in rows if r["study_id"] == "fractured" and r["level"] == "L1"]
    assert l1["genant_grade"] == 3 and l1["flag_fracture"] and l1["priority"] == 1
    assert (out / "worklist.html").is_file() and (out / l1["thumbnail"]).is_file()
    # The same folder again: refused without --resume; with it, nothing is redone.
    assert run(["screen", str(archive), "--out", str(out), "--workers", "1"]) == 2
    assert "pass --resume" in capsys.readouterr().err
    again = ["screen", str(archive), "--out", str(out), "--resume", "--scheduler", scheduler]
    assert run(again) == 1
    assert "0 screened now, 3 already done, 1 not screened" in capsys.readouterr().out


def test_all_screened_exits_0_on_a_running_scheduler(
    archive: Path, tmp_path: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A manifest with relative paths, a CT (marrow 95 HU, so L1 <= 110 HU) and its phase.
    ph = spine([normal(lv) for lv in LEVELS], spacing_mm=(1.5, 1.5, 1.5), label_ids=TOTAL_IDS)
    nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(tmp_path / "seg.nii.gz"))
    ct = np.where(ph.labels > 0, 95, -40).astype(np.int16)
    nib.save(nib.Nifti1Image(ct, ph.affine), str(tmp_path / "ct.nii.gz"))
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f"study_id,mask,ct,contrast_phase\na,{archive / 'normal.nii.gz'},,\n"
        "b,seg.nii.gz,ct.nii.gz,portal venous\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run(["screen", str(manifest), "--scheduler", scheduler, "--out", str(out)]) == 0
    assert "2 studies: 2 screened now" in capsys.readouterr().out
    rows = pq.read_table(out / "screening.parquet").to_pylist()
    assert len(rows) == 8
    (l1,) = [r for r in rows if r["study_id"] == "b" and r["level"] == "L1"]
    assert l1["contrast_phase"] == "portal venous" and l1["trabecular_mean_hu"] == 95.0
    assert l1["density_flag"] == "low (<= 110 HU)" and l1["flag_low_density"]
    assert l1["priority"] == 4 and (out / l1["thumbnail"]).is_file()


@pytest.mark.skipif(importlib.util.find_spec("bokeh") is not None, reason="bokeh installed")
def test_dashboard_without_bokeh_is_refused(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["screen", str(archive), "--dashboard", "--out", str(tmp_path)]) == 2
    assert "--dashboard: expected bokeh installed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nowhere"],
            "nowhere: expected an archive folder or a manifest .csv file, found no such path",
        ),
        (["ARCHIVE", "--workers", "0"], "--workers: expected a whole number >= 1, found 0"),
        (["ARCHIVE", "--scheduler", "localhost"], "--scheduler: expected an address such as"),
        (
            ["ARCHIVE", "--workers", "2", "--scheduler", "tcp://h:1"],
            "--workers: expected with a local",
        ),
        (["ARCHIVE", "--memory-limit", "lots"], "--memory-limit: expected 'auto' or a size"),
        (["BADCSV"], "line 1: expected columns study_id, mask"),
        (["DUPCSV"], "line 3: expected unique study ids, found 'a' again (first at line 2)"),
        (["EMPTYCSV"], "line 2: mask: expected a value, found none"),
    ],
)
def test_bad_input_exits_2_naming_it(
    args: list[str], message: str, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = str(archive / "normal.nii.gz")
    files = {
        "ARCHIVE": str(archive),
        "BADCSV": str(tmp_path / "b.csv"),
        "DUPCSV": str(_manifest(tmp_path / "d.csv", [("a", good), ("a", good)])),
        "EMPTYCSV": str(_manifest(tmp_path / "e.csv", [("a", "")])),
    }
    (tmp_path / "b.csv").write_text("id,mask_file\nx,y\n", encoding="utf-8")
    argv = ["screen", *(files.get(a, a) for a in args), "--out", str(tmp_path / "out")]
    assert run(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "screening.parquet").exists()
