"""The imaging page's "Import from PACS": a real Orthanc holding the example CT and a SEG.

The shared TotalSegmentator CT series (its empty UIDs filled in on a copy) goes into an
Orthanc on loopback with a SEG of it made by ``kypho measure --dicom-out`` and given
another maker's identity, as a PACS would hold TotalSegmentator's own. A radiologist
imports the study by its UID; the measurement is stored with the provenance (URL, study
UID) as its "upload", and measures the same levels as the CLI does from the folder.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kypho.cli import main
from kypho.config import Settings
from kypho.store.engine import session_factory
from kypho.store.models import Measurement
from kypho.web.app import create_app

sys.path.insert(0, str(Path(__file__).parents[2] / "interop" / "dicom"))  # the PACS fixtures

from kypho_dicom_support import EXAMPLE_SEG_NIFTI, STUDY_UID, example_series  # noqa: E402
from kypho_orthanc import free_port, orthanc, upload  # noqa: E402


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The DICOMweb URL of an Orthanc holding the example CT and a SEG of it."""
    if not EXAMPLE_SEG_NIFTI.is_file():
        pytest.skip(f"shared segmentation absent: {EXAMPLE_SEG_NIFTI}")
    root = tmp_path_factory.mktemp("pacs")
    ct = example_series(root / "ct")
    out = root / "out"
    out.mkdir()
    code = main(["measure", "--ct", str(ct), "--labels", str(EXAMPLE_SEG_NIFTI),
                 "--dicom-out", str(out), "--format", "json"])  # fmt: skip
    assert code == 0
    seg = pydicom.dcmread(out / "kypho-seg.dcm")
    seg.Manufacturer = "TotalSegmentator"  # a SEG from another maker, as a PACS would hold
    seg.SOPInstanceUID = seg.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    seg.SeriesInstanceUID = pydicom.uid.generate_uid()
    seg.save_as(root / "seg.dcm")
    with orthanc(root) as base:
        upload(base, [*sorted(ct.iterdir()), root / "seg.dcm"])
        yield f"{base}/dicom-web"


def _radiologist(users: Any, settings: Settings, engine: Engine) -> TestClient:
    _, token = users.make("radiologist")
    client = TestClient(create_app(settings, engine=engine))
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _stored(engine: Engine) -> list[Measurement]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(Measurement)))


def test_a_radiologist_imports_a_study_from_the_pacs(
    pacs: str, users: Any, web_settings: Settings, web_engine: Engine, case_pk: int
) -> None:
    settings = web_settings.model_copy(update={"dicomweb_url": pacs})
    client = _radiologist(users, settings, web_engine)
    page = client.get(f"/cases/{case_pk}/imaging")
    assert "Import from PACS" in page.text and 'name="study_uid"' in page.text
    answer = client.post(f"/cases/{case_pk}/imaging/pacs", data={"study_uid": STUDY_UID},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text[:2000]
    (row,) = _stored(web_engine)
    assert row.kind == "dicomweb"
    assert json.loads(row.upload) == {"dicomweb": pacs, "study": STUDY_UID, "series": None}
    assert {lv["level"] for lv in json.loads(row.results)["levels"]} == {"T11", "T12"}
    assert row.picture_png is not None and row.picture_png.startswith(b"\x89PNG")
    shown = client.get(answer.headers["location"])
    assert "PACS study" in shown.text and "T12" in shown.text


@pytest.mark.parametrize("typed", ["", "1.2.abc", "1." + "2" * 70, "1..2"])
def test_a_bad_uid_is_named_beside_its_field_and_nothing_is_pulled(
    users: Any, web_settings: Settings, web_engine: Engine, case_pk: int, typed: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}/dicom-web"  # nothing listens: never reached
    client = _radiologist(users, web_settings.model_copy(update={"dicomweb_url": url}),
                          web_engine)  # fmt: skip
    answer = client.post(f"/cases/{case_pk}/imaging/pacs", data={"study_uid": typed})
    assert answer.status_code == 422
    assert 'id="study_uid-error"' in answer.text and "expected a DICOM UID" in answer.text
    assert "no answer" not in answer.text
    assert not _stored(web_engine)


def test_a_pacs_that_is_down_is_named_and_nothing_is_stored(
    users: Any, web_settings: Settings, web_engine: Engine, case_pk: int
) -> None:
    url = f"http://127.0.0.1:{free_port()}/dicom-web"  # nothing listens there
    client = _radiologist(users, web_settings.model_copy(update={"dicomweb_url": url}),
                          web_engine)  # fmt: skip
    answer = client.post(f"/cases/{case_pk}/imaging/pacs", data={"study_uid": STUDY_UID})
    assert answer.status_code == 422
    assert url in answer.text and "no answer" in answer.text
    with session_factory(web_engine)() as db:
        assert db.scalar(select(func.count()).select_from(Measurement)) == 0


def test_without_a_pacs_configured_there_is_no_import_form(
    users: Any, web_settings: Settings, web_engine: Engine, case_pk: int
) -> None:
    client = _radiologist(users, web_settings, web_engine)
    assert "Import from PACS" not in client.get(f"/cases/{case_pk}/imaging").text
    answer = client.post(f"/cases/{case_pk}/imaging/pacs", data={"study_uid": STUDY_UID})
    assert answer.status_code == 404 and "KYPHO_DICOMWEB_URL" in answer.text
