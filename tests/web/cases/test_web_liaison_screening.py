"""Archive screening into the fracture liaison queue: a real run, imported, shown, audited.

A three-study archive (a grade 3 wedge at L1, a normal spine, a corrupt file) is screened
in process by ``kypho.screening.screen_all`` as ``kypho screen`` would; its output folder
is imported with ``kypho db import-worklist``. The queue shows the fracture and the study
that could not be screened (unknown, not normal), not the normal spine; the import is
idempotent, audited, and a malformed file is refused naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nibabel as nib
import pytest
from sqlalchemy import Engine, func, select

from kypho.cli import main
from kypho.screening import Study, screen_all
from kypho.store.engine import session_factory
from kypho.store.models import AuditEvent, ScreeningFinding
from phantoms import TOTAL_IDS, normal, spine, wedge

LEVELS = ("T12", "L1", "L2", "L3")


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of a screen of three studies (1 - 12/26 = 54 % at L1: grade 3)."""
    root = tmp_path_factory.mktemp("archive")
    studies = []
    for name, specs in (
        (
            "fractured",
            [wedge(lv, anterior_height_mm=12.0) if lv == "L1" else normal(lv) for lv in LEVELS],
        ),  # fmt: skip
        ("normal", [normal(lv) for lv in LEVELS]),
    ):
        ph = spine(specs, spacing_mm=(1.5, 1.5, 1.5), label_ids=TOTAL_IDS)
        nib.save(nib.Nifti1Image(ph.labels, ph.affine), str(root / f"{name}.nii.gz"))
        studies.append(Study(study_id=name, mask=root / f"{name}.nii.gz"))
    (root / "broken.nii.gz").write_bytes(b"not a nifti file at all" * 20)
    studies.append(Study(study_id="broken", mask=root / "broken.nii.gz"))
    out = root / "out"
    screen_all(studies, out=out)
    return out


def _import(path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("KYPHO_DATABASE_URL", db_url)
    return main(["db", "import-worklist", str(path)])


def _findings(engine: Engine) -> list[ScreeningFinding]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(ScreeningFinding).order_by(ScreeningFinding.priority)))


def test_a_screening_run_joins_the_liaison_queue_once(
    screened: Path, web_db_url: str, web_engine: Engine, users: Any,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    client = users.api("coordinator")  # makes the schema's users table hold someone
    assert _import(screened, web_db_url, monkeypatch) == 0
    assert "2 findings added to the fracture liaison queue, 0 already there" in (
        capsys.readouterr().out
    )
    found = {(f.study_id, f.level): f for f in _findings(web_engine)}
    # The fracture and the study that could not be screened; no level of the normal spine,
    # and not the fracture's neighbours (the label check, morphometry.label_check, does not
    # take a crushed body for a mislabel: its footprint uses the mean of its heights).
    assert set(found) == {("fractured", "L1"), ("broken", "")}
    fracture, broken = found["fractured", "L1"], found["broken", ""]
    assert (fracture.study_id, fracture.level, fracture.genant_grade) == ("fractured", "L1", 3)
    assert fracture.priority == 1 and fracture.flag_fracture
    assert fracture.thumbnail_png is not None and fracture.thumbnail_png.startswith(b"\x89PNG")
    assert (broken.study_id, broken.level, broken.priority) == ("broken", "", 5)
    assert "expected a NIfTI" in broken.failure_reason

    assert _import(screened / "screening.parquet", web_db_url, monkeypatch) == 0
    assert "0 findings added" in capsys.readouterr().out and len(_findings(web_engine)) == 2

    page = client.get("/liaison")
    assert page.status_code == 200
    text = page.text
    assert "Found by screening" in text and "not a\ndiagnosis" in text
    assert "fractured" in text and "Genant grade 3" in text and "not screened" in text
    assert ">normal<" not in text  # nothing flagged: stays in the Parquet file only
    picture = client.get(f"/liaison/findings/{fracture.id}/thumbnail.png")
    assert picture.status_code == 200 and picture.content == fracture.thumbnail_png
    with session_factory(web_engine)() as db:
        imports = db.scalar(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == "import"))  # fmt: skip
        picture_reads = (AuditEvent.record_type == "screening_finding") & (
            AuditEvent.action == "read"
        )
        reads = db.scalar(select(func.count()).select_from(AuditEvent).where(picture_reads))
    assert imports == 2 and reads == 1


def test_a_file_that_is_not_a_worklist_is_refused_naming_it(
    tmp_path: Path, web_db_url: str, web_engine: Engine, users: Any,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    users.make("coordinator")
    bad = tmp_path / "screening.parquet"
    bad.write_bytes(b"PAR1 not really")
    assert _import(bad, web_db_url, monkeypatch) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "expected a Parquet file written by kypho screen" in err
    assert _import(tmp_path / "nowhere", web_db_url, monkeypatch) == 2
    assert "expected a screening output folder" in capsys.readouterr().err
    assert _findings(web_engine) == []
