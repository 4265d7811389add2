"""Write the documents of one command together or not at all.

Every path is checked first; then each document goes to a temporary file in its own
folder, and only when every write succeeded are they renamed into place (a rename
within one folder is atomic on POSIX). On any failure the temporaries are removed and
nothing is left half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from kypho.errors import InvalidInput

ALLOWED_SUFFIXES = (".pdf", ".html", ".ics")


def _problem(path: Path) -> str | None:
    """Why ``path`` cannot be written, or None."""
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        return f"expected a file ending in {', '.join(ALLOWED_SUFFIXES)}, got {path.suffix!r}"
    if path.is_dir():
        return "expected a file, found a folder"
    folder = path.parent
    if not folder.is_dir():
        return f"expected an existing folder, {str(folder)!r} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"expected a folder we may write to, {str(folder)!r} is not writable"
    return None


def check_outputs(paths: list[Path]) -> None:
    """Raise ``InvalidInput`` naming the first path that cannot be written, and why."""
    seen: set[Path] = set()
    for path in paths:
        problem = _problem(path)
        resolved = path.resolve()
        if problem is None and resolved in seen:
            problem = "the same file is named for two documents"
        if problem is not None:
            raise InvalidInput(f"{path}: {problem}; nothing was written")
        seen.add(resolved)


def _write_temporary(path: Path, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_documents(outputs: Mapping[Path, bytes]) -> None:
    """Write every ``path: content`` pair, or none of them.

    Raises
    ------
    InvalidInput
        A path that cannot be written (naming it and the problem); nothing is written.
    """
    paths = list(outputs)
    check_outputs(paths)
    written: list[tuple[Path, Path]] = []
    try:
        for path in paths:
            try:
                written.append((_write_temporary(path, outputs[path]), path))
            except OSError as err:
                raise InvalidInput(
                    f"{path}: could not write ({err.strerror}); nothing was written"
                ) from None
        for done, (temporary, path) in enumerate(written):
            try:
                os.replace(temporary, path)
            except OSError as err:
                placed = ", ".join(str(p) for _, p in written[:done]) or "none"
                raise InvalidInput(
                    f"{path}: could not rename into place ({err.strerror}); already written: "
                    f"{placed}"
                ) from None
    except BaseException:
        for temporary, _ in written:
            temporary.unlink(missing_ok=True)
        raise
