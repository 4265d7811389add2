"""All documents of one command are written together or not at all (real files, tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kypho.documents import write_documents
from kypho.errors import InvalidInput


def test_all_written_when_every_path_is_good(tmp_path: Path) -> None:
    old = tmp_path / "consent.pdf"
    old.write_bytes(b"old")
    outputs = {
        old: b"%PDF new",
        tmp_path / "discharge.html": b"<html>",
        tmp_path / "r.ics": b"BEGIN",
    }
    write_documents(outputs)
    assert {p: p.read_bytes() for p in outputs} == outputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["consent.pdf", "discharge.html", "r.ics"]


def test_missing_folder_for_the_third_writes_none(tmp_path: Path) -> None:
    first, second = tmp_path / "consent.pdf", tmp_path / "discharge.pdf"
    third = tmp_path / "no-such-folder" / "recovery.ics"
    with pytest.raises(InvalidInput) as err:
        write_documents({first: b"1", second: b"2", third: b"3"})
    message = str(err.value)
    assert message.startswith(f"{third}: expected an existing folder")
    assert "does not exist; nothing was written" in message
    assert list(tmp_path.iterdir()) == []  # no document and no temporary left


@pytest.mark.parametrize(
    ("name", "problem"),
    [("consent.docx", "expected a file ending in .pdf, .html, .ics, got '.docx'"),
     ("folder.pdf", "expected a file, found a folder")],
)  # fmt: skip
def test_bad_paths_are_named(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / "folder.pdf").mkdir()
    good = tmp_path / "discharge.html"
    with pytest.raises(InvalidInput, match=problem):
        write_documents({good: b"x", tmp_path / name: b"y"})
    assert not good.exists()


def test_same_file_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    (tmp_path / "sub").mkdir()
    with pytest.raises(InvalidInput, match="the same file is named for two documents"):
        write_documents({path: b"1", tmp_path / "sub" / ".." / "a.pdf": b"2"})
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_read_only_folder_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InvalidInput, match="is not writable"):
            write_documents({tmp_path / "a.pdf": b"1", locked / "b.pdf": b"2"})
        assert not (tmp_path / "a.pdf").exists()
    finally:
        locked.chmod(0o700)


def test_a_failed_write_removes_the_temporaries(tmp_path: Path) -> None:
    # the second content is text, not bytes: its write fails after the first succeeded
    first, second = tmp_path / "consent.pdf", tmp_path / "discharge.html"
    with pytest.raises(TypeError):
        write_documents({first: b"1", second: "not bytes"})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []
