"""Upload limits: a file over ``max_upload_bytes`` and a zip bomb are refused, nothing stored."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kypho.config import Settings
from kypho.store.engine import session_factory
from kypho.store.models import Measurement

MAX_UPLOAD_BYTES = 40_000  # the real example mask (35,487 bytes) fits; 40,001 bytes do not
MAX_IMAGE_FILE_BYTES = 1_000_000


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="test-secret-" + "x" * 32,
        max_upload_bytes=MAX_UPLOAD_BYTES,
        max_image_file_bytes=MAX_IMAGE_FILE_BYTES,
    )


def stored(engine) -> int:  # noqa: ANN001
    with session_factory(engine)() as db:
        return int(db.scalar(select(func.count()).select_from(Measurement)) or 0)


def send(client, case_pk: int, name: str, data: bytes, *, page: bool = False):  # noqa: ANN001, ANN201
    url = f"/cases/{case_pk}/imaging" if page else f"/api/cases/{case_pk}/measurements"
    return client.post(url, files={"file": (name, data, "application/octet-stream")})


def test_upload_over_the_limit_is_refused_beside_the_field(users, case_pk, web_engine) -> None:  # noqa: ANN001
    radiologist = users.api("radiologist")
    page = send(radiologist, case_pk, "big.nii.gz", b"\0" * (MAX_UPLOAD_BYTES + 1), page=True)
    assert page.status_code == 413
    error = re.search(r'<span id="file-error"[^>]*>(.*?)</span>', page.text, re.S)
    assert error is not None and "40,000 bytes" in error.group(1)
    api = send(radiologist, case_pk, "big.nii.gz", b"\0" * (MAX_UPLOAD_BYTES + 1))
    assert api.status_code == 413
    assert api.json()["field"] == "file"
    assert stored(web_engine) == 0


def test_upload_at_the_limit_is_read(users, case_pk, real_mask, web_engine) -> None:  # noqa: ANN001
    data = real_mask.read_bytes()
    assert len(data) <= MAX_UPLOAD_BYTES
    answer = send(users.api("radiologist"), case_pk, real_mask.name, data)
    assert answer.status_code == 201, answer.text
    assert stored(web_engine) == 1


def test_zip_bomb_is_refused(users, case_pk, web_engine, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vertebrae_L1.nii.gz", b"\0" * (3 * MAX_IMAGE_FILE_BYTES))
    data = path.read_bytes()
    assert len(data) < MAX_UPLOAD_BYTES  # small packed, three times the limit unpacked
    answer = send(users.api("radiologist"), case_pk, "bomb.zip", data)
    assert answer.status_code == 422
    assert "1,000,000 bytes unpacked" in answer.json()["message"]
    assert stored(web_engine) == 0


def test_zip_lying_about_its_size_is_stopped_while_unpacking(
    users, case_pk, web_engine, tmp_path
) -> None:  # noqa: ANN001
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vertebrae_L1.nii.gz", b"\0" * (2 * MAX_IMAGE_FILE_BYTES))
    data = bytearray(path.read_bytes())
    # declare 10 bytes in both headers: the limit must hold on what is really unpacked
    true_size = (2 * MAX_IMAGE_FILE_BYTES).to_bytes(4, "little")
    data = data.replace(true_size, (10).to_bytes(4, "little"))
    answer = send(users.api("radiologist"), case_pk, "liar.zip", bytes(data))
    assert answer.status_code == 422
    assert stored(web_engine) == 0
