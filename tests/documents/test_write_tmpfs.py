"""Outputs on a real 64 KiB tmpfs: a full disk, a read-only disk, special files.

Mounting needs root (CAP_SYS_ADMIN); elsewhere these tests skip, saying why. Each test
mounts its own tmpfs and unmounts it, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kypho.documents import write_documents
from kypho.errors import InvalidInput

DISK_BYTES = 64 * 1024
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")  # tmpfs hands out whole pages
OLD_MTIME_NS = 1_500_000_000_123_456_789


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder with a 64 KiB tmpfs mounted on it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(folder))
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        _run("umount", str(folder))


def existing(path: Path) -> tuple[bytes, int, int]:
    path.write_bytes(b"old version")
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return snapshot(path)


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


def free_pages(folder: Path) -> int:
    return os.statvfs(folder).f_bfree


def test_outputs_larger_than_the_disk_are_refused_before_writing(small_disk: Path) -> None:
    consent, discharge = small_disk / "consent.pdf", small_disk / "discharge.html"
    kept = existing(consent)  # takes one page of the disk
    with pytest.raises(InvalidInput) as err:
        write_documents({consent: b"%" * 100_000, discharge: b"<html>...."})
    free = DISK_BYTES - PAGE_BYTES
    assert str(err.value) == (
        f"{consent}: the disk is full (100010 bytes needed, {free} free in "
        f"{str(small_disk)!r}); nothing was written"
    )
    assert snapshot(consent) == kept
    assert sorted(os.listdir(small_disk)) == ["consent.pdf"]


def test_a_disk_that_fills_while_writing_leaves_everything_as_it_was(small_disk: Path) -> None:
    if PAGE_BYTES != 4096:
        pytest.skip(
            f"the sizes below are worked out for 4 KiB pages, this machine has {PAGE_BYTES}"
        )
    consent = small_disk / "consent.pdf"
    kept = existing(consent)  # 1 page used, 15 free
    # six files of 8193 bytes: 49158 bytes, under the 61440 free, so the early check passes;
    # but each takes 3 pages, so the sixth finds the disk full (18 pages > 15)
    outputs = {consent: b"n" * 8193} | {small_disk / f"{i}.pdf": b"n" * 8193 for i in range(5)}
    with pytest.raises(InvalidInput) as err:
        write_documents(outputs)
    assert str(err.value) == (
        f"{small_disk / '4.pdf'}: the disk is full (49158 bytes needed in "
        f"{str(small_disk)!r}); nothing was written"
    )
    assert snapshot(consent) == kept
    assert sorted(os.listdir(small_disk)) == ["consent.pdf"]  # no temporary left
    assert free_pages(small_disk) == 15  # every page given back


def test_outputs_that_fit_replace_the_existing_file(small_disk: Path) -> None:
    consent, calendar = small_disk / "consent.pdf", small_disk / "r.ics"
    existing(consent)
    write_documents({consent: b"c" * 20_000, calendar: b"BEGIN:VCALENDAR"})
    assert consent.read_bytes() == b"c" * 20_000
    assert calendar.read_bytes() == b"BEGIN:VCALENDAR"
    assert sorted(os.listdir(small_disk)) == ["consent.pdf", "r.ics"]


def test_a_read_only_disk_is_named(small_disk: Path) -> None:
    consent = small_disk / "consent.pdf"
    kept = existing(consent)
    remounted = _run("mount", "-o", "remount,ro", str(small_disk))
    if remounted.returncode != 0:
        pytest.skip(f"remounting read-only is not permitted here: {remounted.stderr.strip()}")
    with pytest.raises(InvalidInput) as err:
        write_documents({small_disk / "discharge.pdf": b"new", consent: b"new"})
    assert str(err.value) == (
        f"{small_disk / 'discharge.pdf'}: expected a folder we may write to, "
        f"{str(small_disk)!r} is on a read-only file system; nothing was written"
    )
    assert snapshot(consent) == kept
    assert sorted(os.listdir(small_disk)) == ["consent.pdf"]


@pytest.mark.parametrize(
    ("make", "found"),
    [(os.mkfifo, "a FIFO (named pipe)"), (os.mkdir, "a folder")],
    ids=["fifo", "folder"],
)
def test_a_special_path_on_the_disk_is_refused(
    small_disk: Path, make: Callable[[Path], object], found: str
) -> None:
    consent, special = small_disk / "consent.pdf", small_disk / "discharge.pdf"
    kept = existing(consent)
    make(special)
    with pytest.raises(InvalidInput) as err:
        write_documents({consent: b"new", special: b"new"})
    assert str(err.value) == (
        f"{special}: expected a regular file or no file, found {found}; nothing was written"
    )
    assert snapshot(consent) == kept
    assert sorted(os.listdir(small_disk)) == ["consent.pdf", "discharge.pdf"]
