"""All output files of one command are written together or not at all (real files, tmp_path).

The full disk and the read-only file system are in ``test_write_tmpfs.py`` (they need a
small tmpfs, so root). A few tests make the operating system fail on purpose
(``os.replace`` or ``os.link`` raising) because no real file system fails a rename on
demand; kypho's own code is never replaced.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import socket
import stat
from pathlib import Path

import pytest

from kypho.documents import write_documents
from kypho.documents.write import check_outputs
from kypho.errors import InvalidInput

OLD_MTIME_NS = 1_500_000_000_123_456_789  # 2017-07-14: a rewrite could not keep it by chance


def existing(path: Path, content: bytes = b"old version") -> tuple[bytes, int, int]:
    """Write ``path`` with an old mtime; return what must not change: content, mtime, inode."""
    path.write_bytes(content)
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return snapshot(path)


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


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
    assert names(tmp_path) == ["consent.pdf", "discharge.html", "r.ics"]  # no temporary, backup


def test_a_replaced_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    old, new = tmp_path / "consent.pdf", tmp_path / "discharge.pdf"
    old.write_bytes(b"old")
    old.chmod(0o640)
    before = os.umask(0o027)
    try:
        write_documents({old: b"1", new: b"2"})
    finally:
        os.umask(before)
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert stat.S_IMODE(new.stat().st_mode) == 0o640  # 0o666 less the umask 0o027


def test_any_suffix_when_suffixes_is_none(tmp_path: Path) -> None:
    outputs = {tmp_path / "case.json": b"{}", tmp_path / "spine.png": b"\x89PNG"}
    write_documents(outputs, suffixes=None)
    assert {p: p.read_bytes() for p in outputs} == outputs


def test_missing_folder_for_the_third_writes_none(tmp_path: Path) -> None:
    first, second = tmp_path / "consent.pdf", tmp_path / "discharge.pdf"
    kept = existing(first)
    third = tmp_path / "no-such-folder" / "recovery.ics"
    with pytest.raises(InvalidInput) as err:
        write_documents({first: b"1", second: b"2", third: b"3"})
    assert str(err.value) == (
        f"{third}: expected an existing folder, {str(third.parent)!r} does not exist; "
        "nothing was written"
    )
    assert snapshot(first) == kept
    assert names(tmp_path) == ["consent.pdf"]  # no document and no temporary left


def test_a_folder_that_is_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"x")
    inside = tmp_path / "notes.txt" / "a.pdf"
    with pytest.raises(InvalidInput) as err:
        write_documents({tmp_path / "b.pdf": b"1", inside: b"2"})
    assert str(err.value) == (
        f"{inside}: expected a folder, {str(inside.parent)!r} is not a folder; nothing was written"
    )
    assert names(tmp_path) == ["notes.txt"]


def test_a_folder_below_a_file_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"x")
    deeper = tmp_path / "notes.txt" / "sub" / "a.pdf"
    with pytest.raises(InvalidInput, match="expected an existing folder, .* does not exist"):
        check_outputs([deeper])


@pytest.mark.parametrize(
    ("name", "problem"),
    [("consent.docx", "expected a file ending in .pdf, .html, .ics, got '.docx'"),
     ("folder.pdf", "expected a regular file or no file, found a folder")],
)  # fmt: skip
def test_bad_paths_are_named(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / "folder.pdf").mkdir()
    good = tmp_path / "discharge.html"
    with pytest.raises(InvalidInput, match=problem):
        write_documents({good: b"x", tmp_path / name: b"y"})
    assert not good.exists()
    assert (tmp_path / "folder.pdf").is_dir()


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    # opening a FIFO for writing would block until a reader came: refused before any open
    fifo, other = tmp_path / "consent.pdf", tmp_path / "discharge.pdf"
    os.mkfifo(fifo)
    kept = existing(other)
    with pytest.raises(InvalidInput) as err:
        write_documents({other: b"new", fifo: b"new"})
    assert str(err.value) == (
        f"{fifo}: expected a regular file or no file, found a FIFO (named pipe); "
        "nothing was written"
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert snapshot(other) == kept
    assert names(tmp_path) == ["consent.pdf", "discharge.pdf"]


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.pdf"
    if len(str(path)) > 100:
        pytest.skip(f"a Unix socket path must be under 108 bytes; {path} is {len(str(path))}")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        with pytest.raises(InvalidInput, match="found a socket; nothing was written"):
            write_documents({path: b"x"})
    assert stat.S_ISSOCK(path.lstat().st_mode)


def test_a_device_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "null.pdf"
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    with pytest.raises(InvalidInput, match="found a character device; nothing was written"):
        write_documents({path: b"x"})
    assert stat.S_ISCHR(path.lstat().st_mode)


def test_the_real_dev_null_is_refused() -> None:
    with pytest.raises(InvalidInput, match="found a character device"):
        write_documents({Path("/dev/null"): b"x"}, suffixes=None)


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symbolic_link_is_refused_and_its_target_left_alone(
    tmp_path: Path, dangling: bool
) -> None:
    target = tmp_path / "real.pdf"
    kept = existing(target)
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "gone.pdf" if dangling else target)
    with pytest.raises(InvalidInput) as err:
        write_documents({link: b"new"})
    pointed = tmp_path / ("gone.pdf" if dangling else "real.pdf")
    assert str(err.value) == (
        f"{link}: expected a regular file or no file, found a symbolic link to "
        f"{str(pointed)!r}; nothing was written"
    )
    assert link.is_symlink()
    assert snapshot(target) == kept
    assert names(tmp_path) == ["link.pdf", "real.pdf"]


def test_a_folder_reached_through_a_link_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real")
    write_documents({tmp_path / "via" / "a.pdf": b"1"})
    assert (tmp_path / "real" / "a.pdf").read_bytes() == b"1"


def test_same_file_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    (tmp_path / "sub").mkdir()
    with pytest.raises(InvalidInput, match="the same file is named for two documents"):
        write_documents({path: b"1", tmp_path / "sub" / ".." / "a.pdf": b"2"})
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a folder without write bits")
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


@pytest.mark.skipif(os.geteuid() == 0, reason="root may search a folder without search bits")
def test_an_unreachable_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "closed" / "inner").mkdir(parents=True)
    (tmp_path / "closed").chmod(0o000)
    try:
        with pytest.raises(InvalidInput, match="expected a folder we may reach"):
            check_outputs([tmp_path / "closed" / "inner" / "a.pdf"])
    finally:
        (tmp_path / "closed").chmod(0o700)


def test_a_failed_write_removes_the_temporaries(tmp_path: Path) -> None:
    # the second content is text, not bytes: its write fails after the first succeeded
    first, second = tmp_path / "consent.pdf", tmp_path / "discharge.html"
    kept = existing(first)
    with pytest.raises(TypeError):
        write_documents({first: b"1", second: "not bytes"})  # type: ignore[dict-item]
    assert snapshot(first) == kept
    assert names(tmp_path) == ["consent.pdf"]


def failing_on(monkeypatch: pytest.MonkeyPatch, calls: set[int], exc: BaseException) -> None:
    """Make the operating system's rename fail on the given calls (1-based)."""
    real = os.replace
    count = 0

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        nonlocal count
        count += 1
        if count in calls:
            raise exc
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_a_failed_rename_puts_back_what_was_placed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new, third = tmp_path / "consent.pdf", tmp_path / "discharge.pdf", tmp_path / "r.ics"
    kept = existing(old)
    failing_on(monkeypatch, {3}, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(InvalidInput) as err:
        write_documents({old: b"new 1", new: b"new 2", third: b"new 3"})
    assert str(err.value) == (
        f"{third}: could not rename into place (Input/output error); nothing was written"
    )
    assert snapshot(old) == kept  # the very same file: content, mtime and inode
    assert names(tmp_path) == ["consent.pdf"]  # the new discharge removed, nothing left over


def test_an_interrupted_rename_puts_back_and_goes_on_being_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = tmp_path / "consent.pdf", tmp_path / "discharge.pdf"
    kept = existing(old)
    failing_on(monkeypatch, {2}, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_documents({old: b"new 1", new: b"new 2"})
    assert snapshot(old) == kept
    assert names(tmp_path) == ["consent.pdf"]


def test_a_file_that_cannot_be_put_back_is_named_with_its_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "c.pdf"
    kept = existing(first)
    # the third rename fails, and so does the rename that would put the first one back
    # (the second is removed, not renamed: there was no file before it)
    failing_on(monkeypatch, {3, 4}, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(InvalidInput) as err:
        write_documents({first: b"new 1", second: b"new 2", third: b"new 3"})
    (backup,) = tmp_path.glob(".a.pdf.*.bak")
    assert str(err.value) == (
        f"{third}: could not rename into place (Input/output error); "
        f"{first} could not be put back (Input/output error); "
        f"its earlier version is at {str(backup)!r}"
    )
    assert snapshot(backup) == kept  # the only old copy is kept
    assert first.read_bytes() == b"new 1"
    assert names(tmp_path) == [backup.name, "a.pdf"]


def test_without_hard_links_the_backup_is_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = tmp_path / "consent.pdf", tmp_path / "discharge.pdf"
    kept = existing(old)

    def no_link(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")  # as on FAT or some SMB shares

    monkeypatch.setattr(os, "link", no_link)
    failing_on(monkeypatch, {2}, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(InvalidInput, match="nothing was written"):
        write_documents({old: b"new 1", new: b"new 2"})
    content, mtime, _ = snapshot(old)  # restored from a copy: same content and mtime
    assert (content, mtime) == kept[:2]
    assert names(tmp_path) == ["consent.pdf"]


def test_no_backup_means_no_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "consent.pdf"
    kept = existing(old)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(shutil, "copy2", refuse)
    with pytest.raises(InvalidInput) as err:
        write_documents({tmp_path / "a.pdf": b"1", old: b"new"})
    assert str(err.value) == (
        f"{old}: could not keep the existing file while replacing it "
        "(Operation not permitted); nothing was written"
    )
    assert snapshot(old) == kept
    assert names(tmp_path) == ["consent.pdf"]


def test_a_name_too_long_for_the_file_system_is_named(tmp_path: Path) -> None:
    path = tmp_path / ("n" * 300 + ".pdf")
    with pytest.raises(InvalidInput) as err:
        write_documents({path: b"x"})
    assert str(err.value) == (
        f"{path}: expected a path we may examine, got 'File name too long'; nothing was written"
    )


def test_a_long_name_still_gets_a_temporary(tmp_path: Path) -> None:
    # 251 bytes: allowed, but ".NAME.XXXXXXXX.tmp" would pass the 255-byte limit
    path = tmp_path / ("n" * 247 + ".pdf")
    path.write_bytes(b"old")
    write_documents({path: b"new"})
    assert path.read_bytes() == b"new"
    assert names(tmp_path) == [path.name]


def test_a_write_refused_by_the_system_is_named(tmp_path: Path) -> None:
    # a file size limit (ulimit -f) makes the write fail with EFBIG, not a full disk
    path = tmp_path / "consent.pdf"
    kept = existing(path)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, hard))
    try:
        with pytest.raises(InvalidInput) as err:
            write_documents({path: b"x" * 5000})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert str(err.value) == f"{path}: could not write (File too large); nothing was written"
    assert snapshot(path) == kept
    assert names(tmp_path) == ["consent.pdf"]
