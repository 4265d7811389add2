"""Unpacking an uploaded zip: only NIfTI files, inside the folder, within the limits."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kypho.errors import InvalidInput
from kypho.store.measurements import extract_zip, upload_kind

LIMIT_BYTES = 10_000


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_folder_of_vertebrae_is_found_below_a_top_folder(tmp_path: Path) -> None:
    members = {"seg/vertebrae_L1.nii.gz": b"1", "seg/notes.txt": b"skipped", "seg/sub/": b""}
    archive = make_zip(tmp_path / "a.zip", members)
    folder = extract_zip(archive, tmp_path / "out", max_total_bytes=LIMIT_BYTES)
    assert folder == tmp_path / "out" / "seg"
    assert sorted(p.name for p in folder.iterdir()) == ["vertebrae_L1.nii.gz"]  # no .txt


@pytest.mark.parametrize("name", ["../evil.nii.gz", "/abs/evil.nii.gz", "C:/evil.nii.gz",
                                  "a\\..\\..\\evil.nii.gz"])  # fmt: skip
def test_names_leaving_the_folder_are_refused_before_writing(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "a.zip", {"vertebrae_L1.nii.gz": b"1", name: b"evil"})
    with pytest.raises(InvalidInput, match="inside the zip's own folder"):
        extract_zip(archive, tmp_path / "out", max_total_bytes=LIMIT_BYTES)
    assert not (tmp_path / "out").exists()  # refused before anything was written
    assert not (tmp_path / "evil.nii.gz").exists()


def test_member_count_limit_both_sides(tmp_path: Path) -> None:
    three = {f"vertebrae_L{i}.nii.gz": b"1" for i in (1, 2, 3)}
    archive = make_zip(tmp_path / "a.zip", three)
    assert extract_zip(archive, tmp_path / "ok", max_total_bytes=LIMIT_BYTES, max_members=3)
    with pytest.raises(InvalidInput, match="at most 2 members, found 3"):
        extract_zip(archive, tmp_path / "no", max_total_bytes=LIMIT_BYTES, max_members=2)


def test_unpacked_size_limit_both_sides(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {"vertebrae_L1.nii.gz": b"\0" * LIMIT_BYTES})
    assert extract_zip(archive, tmp_path / "ok", max_total_bytes=LIMIT_BYTES)
    with pytest.raises(InvalidInput, match="9,999 bytes unpacked"):
        extract_zip(archive, tmp_path / "no", max_total_bytes=LIMIT_BYTES - 1)


def test_not_a_zip_and_no_vertebrae(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(InvalidInput, match="readable zip"):
        extract_zip(bad, tmp_path / "out", max_total_bytes=LIMIT_BYTES)
    empty = make_zip(tmp_path / "e.zip", {"readme.txt": b"x"})
    with pytest.raises(InvalidInput, match="found none"):
        extract_zip(empty, tmp_path / "out2", max_total_bytes=LIMIT_BYTES)


@pytest.mark.parametrize(("name", "kind"), [("a.nii", "nifti"), ("A.NII.GZ", "nifti"),
                                            ("s.zip", "zip"), ("l.json", "landmarks")])  # fmt: skip
def test_upload_kind(name: str, kind: str) -> None:
    assert upload_kind(name) == kind


def test_upload_kind_refuses_other_files() -> None:
    with pytest.raises(InvalidInput, match="expected a .nii"):
        upload_kind("scan.dcm")
