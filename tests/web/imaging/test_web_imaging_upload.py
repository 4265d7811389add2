"""Imaging page and API: upload, the CLI's numbers, the picture, adding the study to the case."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kypho.casefile import parse_case
from kypho.cli import main
from kypho.store.engine import session_factory
from kypho.store.models import CaseVersion, Measurement
from phantoms import TOTAL_IDS, normal, spine, wedge, write_nifti


def cli_json(path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict[str, Any]:
    """``kypho measure --format json`` on ``path``, printed into a file and read back."""
    capsys.readouterr()
    assert main(["measure", str(path), "--format", "json"]) == 0
    out = tmp_path / "cli.json"
    out.write_text(capsys.readouterr().out)
    found: dict[str, Any] = json.loads(out.read_text())
    return found


def phantom_mask(tmp_path: Path) -> Path:
    """Three lumbar levels, L2 wedged to 18 of 26 mm (a grade 2 by Genant's 25-40 %)."""
    specs = [normal("L1"), wedge("L2", anterior_height_mm=18.0), normal("L3")]
    path = tmp_path / "phantom.nii.gz"
    write_nifti(spine(specs, label_ids=TOTAL_IDS), path)
    return path


def upload(client, case_pk: int, path: Path, *, name: str | None = None, layout: str = "auto"):  # noqa: ANN001, ANN201
    files = {"file": (name or path.name, path.read_bytes(), "application/octet-stream")}
    return client.post(f"/api/cases/{case_pk}/measurements", files=files, data={"layout": layout})


def count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_real_mask_matches_the_cli(users, case_pk, real_mask, capsys, tmp_path) -> None:  # noqa: ANN001
    radiologist = users.api("radiologist")
    answer = upload(radiologist, case_pk, real_mask)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["results"] == cli_json(real_mask, capsys, tmp_path)
    assert body["upload_sha256"] == hashlib.sha256(real_mask.read_bytes()).hexdigest()
    page = radiologist.get(f"/cases/{case_pk}/imaging?m={body['id']}")
    assert page.status_code == 200
    cli_levels = {lv["level"]: lv for lv in body["results"]["levels"]}
    t12 = cli_levels["T12"]
    row = re.search(r"<th scope=\"row\">T12</th>(.*?)</tr>", page.text, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert cells[0] == str(t12["anterior_height_mm"])
    assert cells[1] == str(t12["middle_height_mm"])
    assert cells[2] == str(t12["posterior_height_mm"])
    assert "body cut by the image edge" in page.text  # T11's quality note, shown


def test_phantom_table_and_picture(users, case_pk, capsys, tmp_path) -> None:  # noqa: ANN001
    path = phantom_mask(tmp_path)
    radiologist = users.api("radiologist")
    body = upload(radiologist, case_pk, path).json()
    expected = cli_json(path, capsys, tmp_path)
    assert body["results"] == expected
    l2 = next(lv for lv in expected["levels"] if lv["level"] == "L2")
    assert l2["genant_grade"] == 2  # 18 of 26 mm: 31 % loss, Genant 25-40 %
    page = radiologist.get(f"/cases/{case_pk}/imaging")
    row = re.search(r"<th scope=\"row\">L2</th>(.*?)</tr>", page.text, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert cells[5].startswith(str(l2["height_loss_pct"]))
    assert cells[6].startswith("2")
    listed = re.search(rf'\?m={body["id"]}".*?</tr>', page.text, re.S)
    assert listed is not None
    uploaded = datetime.fromisoformat(body["created_at"])  # stored in UTC
    assert uploaded.utcoffset() is not None and uploaded.utcoffset().total_seconds() == 0
    assert f"<td>{uploaded:%Y-%m-%d %H:%M} UTC</td>" in listed.group(0)  # the zone is said
    picture = radiologist.get(body["picture_url"])
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_add_to_case_makes_a_new_version(users, case_pk, web_engine, tmp_path) -> None:  # noqa: ANN001
    radiologist = users.api("radiologist")
    m_id = upload(radiologist, case_pk, phantom_mask(tmp_path)).json()["id"]
    form = {"expected_version": "1", "study_date": "", "modality": "ct", "study_id": "CT-9"}
    blank = radiologist.post(f"/cases/{case_pk}/imaging/{m_id}/add", data=form)
    assert blank.status_code == 422
    assert 'id="study_date-error"' in blank.text and 'value="CT-9"' in blank.text
    form["study_date"] = "2026-11-21"
    done = radiologist.post(
        f"/cases/{case_pk}/imaging/{m_id}/add", data=form, follow_redirects=False
    )
    assert done.status_code == 303
    with session_factory(web_engine)() as db:
        version = db.scalar(select(CaseVersion).where(CaseVersion.version == 2))
        assert version is not None
        studies = parse_case(version.document).imaging or ()
        assert [s.study_id for s in studies] == ["MR-1", "CT-9"]
        assert str(studies[-1].study_date) == "2026-11-21"
        assert studies[-1].modality.value == "ct"
        measurement = db.get(Measurement, m_id)
        assert measurement is not None and measurement.added_in_version == 2
    stale = radiologist.post(f"/api/cases/{case_pk}/measurements/{m_id}/add-to-case",
                             json={"study_date": "2026-11-21", "expected_version": 1})  # fmt: skip
    assert stale.status_code == 422  # already added: refused, nothing changed
    assert count(web_engine, CaseVersion) == 2


def test_add_to_case_stale_version_is_a_conflict(users, case_pk, web_engine, tmp_path) -> None:  # noqa: ANN001
    radiologist = users.api("radiologist")
    m_id = upload(radiologist, case_pk, phantom_mask(tmp_path)).json()["id"]
    url = f"/api/cases/{case_pk}/measurements/{m_id}/add-to-case"
    late = radiologist.post(url, json={"study_date": "2026-11-21", "expected_version": 7})
    assert late.status_code == 409
    assert count(web_engine, CaseVersion) == 1
    ok = radiologist.post(url, json={"study_date": "2026-11-21", "expected_version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2


def test_real_folder_zip_matches_the_cli(users, case_pk, real_folder, capsys, tmp_path) -> None:  # noqa: ANN001
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(real_folder.iterdir()):
            archive.write(file, f"example_seg_fast/{file.name}")
    path = tmp_path / "seg.zip"
    path.write_bytes(buffer.getvalue())
    radiologist = users.api("radiologist")
    answer = upload(radiologist, case_pk, path)
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "zip"
    assert answer.json()["results"] == cli_json(real_folder, capsys, tmp_path)
    url = f"/api/cases/{case_pk}/measurements/{answer.json()['id']}/add-to-case"
    added = radiologist.post(url, json={"study_date": "2026-11-21", "expected_version": 1})
    assert added.status_code == 200, added.text  # the stored zip, unpacked and measured again
    assert added.json()["version"] == 2


def evil_zip(tmp_path: Path, member: zipfile.ZipInfo, data: bytes = b"x") -> Path:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, data)
    return path


@pytest.mark.parametrize("name", ["../evil.nii.gz", "/tmp/evil.nii.gz", "a/../../evil.nii.gz"])
def test_zip_escaping_its_folder_is_refused(users, case_pk, web_engine, tmp_path, name) -> None:  # noqa: ANN001
    path = evil_zip(tmp_path, zipfile.ZipInfo(name))
    answer = upload(users.api("radiologist"), case_pk, path)
    assert answer.status_code == 422
    assert "inside the zip's own folder" in answer.json()["message"]
    assert not (tmp_path.parent / "evil.nii.gz").exists()
    assert not Path("/tmp/evil.nii.gz").exists()
    assert count(web_engine, Measurement) == 0


def test_zip_with_a_link_is_refused(users, case_pk, web_engine, tmp_path) -> None:  # noqa: ANN001
    link = zipfile.ZipInfo("vertebrae_L1.nii.gz")
    link.external_attr = 0o120777 << 16  # a symlink, as zip -y stores one
    path = evil_zip(tmp_path, link, b"/etc/passwd")
    answer = upload(users.api("radiologist"), case_pk, path)
    assert answer.status_code == 422
    assert "found the link" in answer.json()["message"]
    assert count(web_engine, Measurement) == 0


def test_bad_file_message_beside_the_field(users, case_pk, web_engine, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "scan.nii.gz"
    path.write_bytes(b"this is not a NIfTI file")
    page = users.api("radiologist").post(
        f"/cases/{case_pk}/imaging",
        files={"file": ("scan.nii.gz", path.read_bytes(), "application/gzip")},
        data={"layout": "verse"},
    )
    assert page.status_code == 422
    error = re.search(r'<span id="file-error"[^>]*>(.*?)</span>', page.text, re.S)
    assert error is not None and "scan.nii.gz" in error.group(1)
    assert "kypho-upload-" not in page.text  # no temporary path leaks
    assert re.search(r'<option value="verse"\s+selected', page.text)
    assert count(web_engine, Measurement) == 0


def test_roles(users, case_pk, tmp_path) -> None:  # noqa: ANN001
    path = phantom_mask(tmp_path)
    assert upload(users.api("coordinator"), case_pk, path).status_code == 403
    assert upload(users.api("read_only"), case_pk, path).status_code == 403
    assert upload(users.api("physician"), case_pk, path).status_code == 201
    reader = users.api("coordinator")
    assert reader.get(f"/api/cases/{case_pk}/measurements").status_code == 200
    assert "Upload and measure" not in reader.get(f"/cases/{case_pk}/imaging").text
    assert users.api("administrator").get(f"/cases/{case_pk}/imaging").status_code == 403


def box_points(height_mm: float, superior_mm: float) -> dict[str, list[float]]:
    """Six points (anterior, superior mm) of a body with stations at +12, 0, -12 mm."""
    stations = {"anterior": 12.0, "middle": 0.0, "posterior": -12.0}
    return {
        f"{end}_{where}": [a, superior_mm + (h if end == "superior" else -h) / 2]
        for where, a in stations.items()
        for end, h in (("superior", height_mm), ("inferior", height_mm))
    }


def test_landmarks_upload_matches_the_cli(users, case_pk, capsys, tmp_path) -> None:  # noqa: ANN001
    l1 = box_points(26.0, 0.0)
    l1 |= {"superior_anterior": [12.0, 7.5], "inferior_anterior": [12.0, -7.5],
           "superior_middle": [0.0, 10.0], "inferior_middle": [0.0, -10.0]}  # fmt: skip
    levels = {"T12": box_points(26.0, 36.0), "L1": l1, "L2": box_points(26.0, -36.0)}
    path = tmp_path / "points.json"
    path.write_text(json.dumps({"format": "kypho-landmarks/1", "frame": "AS", "levels": levels}))
    answer = upload(users.api("radiologist"), case_pk, path)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["kind"] == "landmarks"
    assert body["results"] == cli_json(path, capsys, tmp_path)
    found = next(lv for lv in body["results"]["levels"] if lv["level"] == "L1")
    # Ha 15 of a 26 mm reference: (26 - 15) / 26 = 42.3 % loss, Genant grade 3 (> 40 %)
    assert (found["anterior_height_mm"], found["height_loss_pct"]) == (15.0, 42.3)
    assert found["genant_grade"] == 3
    assert users.api("radiologist").get(body["picture_url"]).content.startswith(b"\x89PNG")
