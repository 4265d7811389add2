"""Write the output files of one command together or not at all.

1. Every path is checked (``check_outputs``): its suffix, its folder (exists, is a folder,
   not on a read-only file system, writable) and what is already there (nothing, or a
   regular file; a folder, FIFO, device, socket or symbolic link is refused).
2. The free space of each file system is compared with the bytes to be written.
3. Each file goes to a temporary beside it (``.NAME.XXXXXXXX.tmp``), is flushed to disk
   with ``fsync``, and keeps the mode of the file it replaces.
4. Each existing file is kept as a backup (a hard link, or a copy where the file system
   has no hard links) before anything is renamed.
5. The temporaries are renamed into place one by one (each rename is atomic on POSIX).
   If a rename fails, the files already placed are put back from their backups, and
   files that did not exist before are removed.

On any failure the temporaries and backups are removed and every existing file is as it
was (same inode, content and modification time). The remaining window: if the process
is killed or the machine stops during step 5, some files may be new and some old; the
old versions are then still on disk as ``.NAME.XXXXXXXX.bak`` beside them.

Symbolic links at an output path are refused rather than followed: writing through a
link changes a file the user did not name (possibly elsewhere, possibly dangling), and
replacing the link would silently break it. Links in the folder part are followed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from kypho.errors import InvalidInput

ALLOWED_SUFFIXES = (".pdf", ".html", ".ics")

_SPECIAL_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_NAME_BYTES = 255  # NAME_MAX on Linux, macOS and the BSDs
_NEW_FILE_MODE = 0o666  # less the umask, as cp and editors do; a replaced file keeps its mode


def _folder_problem(folder: Path) -> str | None:
    """Why files cannot be created in ``folder``, or None."""
    try:
        info = folder.stat()
    except (FileNotFoundError, NotADirectoryError):
        return f"expected an existing folder, {str(folder)!r} does not exist"
    except OSError as err:
        return f"expected a folder we may reach, {str(folder)!r} gave {err.strerror!r}"
    if not stat.S_ISDIR(info.st_mode):
        return f"expected a folder, {str(folder)!r} is not a folder"
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"expected a folder we may write to, {str(folder)!r} is on a read-only file system"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"expected a folder we may write to, {str(folder)!r} is not writable"
    return None


def _target_problem(path: Path) -> str | None:
    """Why whatever is already at ``path`` may not be replaced, or None."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"expected a path we may examine, got {err.strerror!r}"
    for is_kind, kind in _SPECIAL_KINDS:
        if is_kind(mode):
            found = f"{kind} to {os.readlink(path)!r}" if kind == "a symbolic link" else kind
            return f"expected a regular file or no file, found {found}"
    return None


def _problem(path: Path, suffixes: tuple[str, ...] | None) -> str | None:
    """Why ``path`` cannot be written, or None."""
    if suffixes is not None and path.suffix.lower() not in suffixes:
        return f"expected a file ending in {', '.join(suffixes)}, got {path.suffix!r}"
    return _folder_problem(path.parent) or _target_problem(path)


def check_outputs(
    paths: Iterable[Path], *, suffixes: tuple[str, ...] | None = ALLOWED_SUFFIXES
) -> None:
    """Raise ``InvalidInput`` naming the first path that cannot be written, and why.

    ``suffixes`` are the endings allowed (lower case); None allows any.
    """
    seen: set[Path] = set()
    for path in paths:
        problem = _problem(path, suffixes)
        resolved = path.resolve()
        if problem is None and resolved in seen:
            problem = "the same file is named for two documents"
        if problem is not None:
            raise InvalidInput(f"{path}: {problem}; nothing was written")
        seen.add(resolved)


def _bytes_needed(outputs: Mapping[Path, bytes]) -> dict[Path, int]:
    """For each path, the bytes to be written to its file system (all outputs there)."""
    devices = {path: os.stat(path.parent).st_dev for path in outputs}
    totals: dict[int, int] = {}
    for path, device in devices.items():
        totals[device] = totals.get(device, 0) + len(outputs[path])
    return {path: totals[device] for path, device in devices.items()}


def _check_space(needed: Mapping[Path, int]) -> None:
    """Refuse at once when a file system has fewer free bytes than will be written."""
    for path, count in needed.items():
        info = os.statvfs(path.parent)
        free = info.f_bfree * info.f_frsize  # the most anyone (root) may use: never refuses wrongly
        if count > free:
            raise InvalidInput(
                f"{path}: the disk is full ({count} bytes needed, {free} free in "
                f"{str(path.parent)!r}); nothing was written"
            )


def _sibling(path: Path, ending: str) -> Path:
    """A new hidden name beside ``path``: ``.NAME.XXXXXXXX.ending``.

    ``.kypho.XXXXXXXX.ending`` instead where NAME leaves no room under the name limit.
    """
    token = secrets.token_hex(4)
    named = f".{path.name}.{token}.{ending}"
    if len(os.fsencode(named)) > _NAME_BYTES:
        named = f".kypho.{token}.{ending}"
    return path.with_name(named)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _write_temporary(path: Path, data: bytes) -> Path:
    """``data`` in a new file beside ``path``, on disk, with the mode of the file it replaces."""
    temporary = _sibling(path, "tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _NEW_FILE_MODE)
    try:
        try:
            if path.exists():
                os.fchmod(fd, stat.S_IMODE(path.stat().st_mode))
            _write_all(fd, data)
        finally:
            os.close(fd)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _write_failure(path: Path, err: OSError, needed: int) -> InvalidInput:
    if err.errno in _DISK_FULL:
        reason = f"the disk is full ({needed} bytes needed in {str(path.parent)!r})"
    else:
        reason = f"could not write ({err.strerror})"
    return InvalidInput(f"{path}: {reason}; nothing was written")


def _keep_backup(path: Path) -> Path:
    """A second name for the existing file at ``path`` (a hard link, else a copy)."""
    backup = _sibling(path, "bak")
    try:
        os.link(path, backup)
    except OSError:
        try:
            shutil.copy2(path, backup)
        except BaseException:
            backup.unlink(missing_ok=True)
            raise
    return backup


def _restore(placed: list[Path], backups: dict[Path, Path]) -> list[str]:
    """Put back what was at each placed path; describe what could not be put back."""
    unrestored: list[str] = []
    for path in reversed(placed):
        backup = backups.get(path)
        try:
            if backup is None:
                path.unlink()
            else:
                os.replace(backup, path)
        except OSError as err:
            kept = "" if backup is None else f"; its earlier version is at {str(backup)!r}"
            unrestored.append(f"{path} could not be put back ({err.strerror}){kept}")
            backups.pop(path, None)  # leave the backup on disk: it is the only old copy
    return unrestored


def _place_all(temporaries: dict[Path, Path], backups: dict[Path, Path]) -> None:
    """Rename every temporary into place, or put every placed path back as it was."""
    placed: list[Path] = []
    current: Path | None = None
    try:
        for current, temporary in temporaries.items():
            os.replace(temporary, current)
            placed.append(current)
    except BaseException as exc:
        unrestored = _restore(placed, backups)
        if not isinstance(exc, OSError):
            raise
        left = "; ".join(unrestored) or "nothing was written"
        raise InvalidInput(
            f"{current}: could not rename into place ({exc.strerror}); {left}"
        ) from None
    for folder in {path.parent for path in placed}:
        _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Best effort to make the renames durable; the files are in place either way."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stage(outputs: Mapping[Path, bytes], temporaries: dict[Path, Path]) -> None:
    needed = _bytes_needed(outputs)
    _check_space(needed)
    for path, data in outputs.items():
        try:
            temporaries[path] = _write_temporary(path, data)
        except OSError as err:
            raise _write_failure(path, err, needed[path]) from None


def _back_up(paths: Iterable[Path], backups: dict[Path, Path]) -> None:
    for path in paths:
        if not path.exists():
            continue
        try:
            backups[path] = _keep_backup(path)
        except OSError as err:
            raise InvalidInput(
                f"{path}: could not keep the existing file while replacing it "
                f"({err.strerror}); nothing was written"
            ) from None


def write_documents(
    outputs: Mapping[Path, bytes], *, suffixes: tuple[str, ...] | None = ALLOWED_SUFFIXES
) -> None:
    """Write every ``path: content`` pair, or none of them (see the module docstring).

    ``suffixes`` are the endings allowed (lower case); None allows any.

    Raises
    ------
    InvalidInput
        A path that cannot be written, a full disk or a failed rename, naming the path
        and the problem; existing files are left as they were.
    """
    check_outputs(list(outputs), suffixes=suffixes)
    temporaries: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    try:
        _stage(outputs, temporaries)
        _back_up(outputs, backups)
        _place_all(temporaries, backups)
    finally:
        for leftover in [*temporaries.values(), *backups.values()]:
            leftover.unlink(missing_ok=True)
