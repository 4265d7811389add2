"""Pack the files of a folder input into bytes, and write them out again, forgivingly.

A folder target (a DICOM series) generates one ``bytes`` like any other, so that the
campaign can save and shrink it: records ``name NUL length NUL data``. ``unpack``
writes what it can read of damaged bytes (a shrinker's cut): a record cut short gives a
shorter file, a broken record ends the folder. A name ending in ``/`` is an empty folder.
"""

from __future__ import annotations

from pathlib import Path

SEP = b"\x00"


def pack(files: dict[str, bytes]) -> bytes:
    """``{"ct/s000.dcm": b"...", "out/": b""}`` as one byte string."""
    out = bytearray()
    for name, data in files.items():
        out += name.encode("utf-8") + SEP + str(len(data)).encode() + SEP + data
    return bytes(out)


def records(data: bytes) -> dict[str, bytes]:
    """The files ``data`` packs, as far as they can be read."""
    found: dict[str, bytes] = {}
    at = 0
    while at < len(data):
        name_end = data.find(SEP, at)
        size_end = data.find(SEP, name_end + 1) if name_end >= 0 else -1
        if size_end < 0:
            break
        try:
            name = data[at:name_end].decode("utf-8")
            size = int(data[name_end + 1 : size_end])
        except ValueError:
            break
        parts = Path(name).parts
        if not name or name.startswith("/") or ".." in parts or size < 0:
            break
        found[name] = data[size_end + 1 : size_end + 1 + size]
        at = size_end + 1 + size
    return found


def unpack(data: bytes, folder: Path) -> None:
    """Write the files ``data`` packs under ``folder`` (created)."""
    folder.mkdir(parents=True)
    for name, content in records(data).items():
        path = folder / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            path.write_bytes(content)
