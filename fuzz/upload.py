"""The imaging upload (``/cases/1/imaging`` and ``/api/cases/1/measurements``), hostile files.

The generator sends one multipart form, signed in with the session's CSRF token: a
NIfTI label file (``fuzz.nifti``'s generator), a landmarks file (``fuzz.landmarks``'s),
or a zip of per-structure masks (``vertebrae_L1.nii.gz``...) built here and then broken:
path traversal and absolute names, a symlink member, 400 members, a member whose
declared size is huge, a zip bomb whose declared sizes lie, truncated and damaged
archives, a zip named ``.nii.gz`` and files with a wrong extension, a missing or empty
file part, two file parts, a bad layout.

The oracle: a NIfTI or landmarks file is judged by that target's own oracle (the NIfTI
standard, the landmarks format's documented rules); a zip that cannot be opened, has a
name outside its folder, a link, more than 300 members (docs: ``ZIP_MAX_MEMBERS``) or
more than ``MAX_IMAGE_FILE_BYTES`` declared or inflated must be refused; a name without
a documented suffix must be refused; the zip built here, unchanged, must be measured. A
refusal is a 4xx whose message sits beside the file (or layout) field, never shows the
server's temporary path, and stores nothing.
"""

from __future__ import annotations

import io
import json
import random
import stat
import zipfile
import zlib
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from fuzz import app, dicom, landmarks, nifti
from fuzz.classify import Run, Verdict
from fuzz.target import FuzzTarget

BOUNDARY = "kyphofuzzboundary7MA4YWxkTrZu0gW"
MAX_IMAGE_FILE_BYTES = app.MAX_IMAGE_FILE_BYTES
ZIP_MAX_MEMBERS = 300  # kypho.store.measurements (docs/web-imaging.md)
SUFFIXES = (".nii", ".nii.gz", ".zip", ".json")
BOMB_BYTES = MAX_IMAGE_FILE_BYTES + 2**20
PAGE, API = "/cases/1/imaging", "/api/cases/1/measurements"
LEVELS = ("T12", "L1", "L2")


def _mask(level: int) -> bytes:
    """A binary mask of one vertebra (a box), on fuzz.dicom's grid."""
    labels = np.zeros((32, 32, 12), dtype=np.uint8)
    labels[4:28, 8:24, 4 * level : 4 * level + 3] = 1
    return dicom._nifti(labels)


@cache
def valid_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, level in enumerate(LEVELS):
            archive.writestr(f"study/vertebrae_{level}.nii.gz", _mask(n))
    return buffer.getvalue()


@cache
def _bomb() -> bytes:
    """One member inflating to ``BOMB_BYTES`` whose headers declare 1,000 bytes (Python's
    zipfile stops at the declared size: the member reads as 1,000 zero bytes)."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\x00" * 2**20
    packed = b"".join(squeeze.compress(chunk) for _ in range(BOMB_BYTES // 2**20))
    packed += squeeze.flush()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("study/vertebrae_L1.nii.gz", b"\x00" * 1000)
    data = bytearray(buffer.getvalue())
    start = data.index(b"PK\x01\x02")
    local = bytes(data[:start])
    head_len = 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
    size = len(packed).to_bytes(4, "little")
    out = bytearray(local[:18]) + size + local[22:head_len] + packed
    central = bytearray(data[start:])
    central[20:24] = size
    central_at = len(out)
    out += central
    end = out.rindex(b"PK\x05\x06")
    out[end + 16 : end + 20] = central_at.to_bytes(4, "little")
    return bytes(out)


@cache
def _honest_bomb() -> bytes:
    """One member of ``BOMB_BYTES`` zeros, declared as such (about 50 kB packed)."""
    return _zip_with([("study/vertebrae_L1.nii.gz", b"\0" * BOMB_BYTES)])


def _zip_with(names: list[tuple[str, bytes]], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in names:
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _huge_declared() -> bytes:
    data = bytearray(valid_zip())
    at = data.index(b"PK\x01\x02")
    data[at + 24 : at + 28] = (2**32 - 1).to_bytes(4, "little")  # uncompressed size
    return bytes(data)


def _hostile_zip(rng: random.Random) -> bytes:
    mask = _mask(1)
    pick = rng.randrange(9)
    if pick == 0:
        name = rng.choice(["../vertebrae_L1.nii.gz", "/tmp/vertebrae_L1.nii.gz",
                           "a/../../vertebrae_L1.nii.gz", "C:\\x\\vertebrae_L1.nii.gz",
                           "..\\vertebrae_L1.nii.gz"])  # fmt: skip
        return _zip_with([(name, mask), ("study/vertebrae_L2.nii.gz", mask)])
    if pick == 1:
        return _zip_with([("study/vertebrae_L2.nii.gz", mask)], link="study/vertebrae_L1.nii.gz")
    if pick == 2:
        return _zip_with([(f"study/x{i}.txt", b"") for i in range(400)])
    if pick == 3:
        return _huge_declared()
    if pick == 4:
        return _bomb() if rng.random() < 0.5 else _honest_bomb()
    if pick == 5:
        data = valid_zip()
        return data[: rng.randrange(len(data))]
    if pick == 6:
        data = bytearray(valid_zip())
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if pick == 7:
        return _zip_with([("a/vertebrae_L1.nii.gz", mask), ("b/vertebrae_L2.nii.gz", mask)])
    return _zip_with([("study/vertebrae_L1.nii.gz", rng.choice([b"", b"not nifti", mask[:40]]))])


def _file(rng: random.Random) -> tuple[str, bytes, str]:
    """(filename, bytes, the oracle's kind)."""
    pick = rng.random()
    if pick < 0.35:
        return "mask.nii.gz", nifti.generate(rng), "nifti"
    if pick < 0.55:
        return "landmarks.json", landmarks.generate(rng), "landmarks"
    if pick < 0.65:
        return "study.zip", valid_zip(), "zip"
    if pick < 0.9:
        return "study.zip", _hostile_zip(rng), "zip"
    name = rng.choice(
        ["mask.txt", "mask", "study.zip.exe", "mask.dcm", "", ".nii.gz",
         "../../../etc/mask.nii.gz", "m\u0000.nii.gz", "é" * 300 + ".json"]
    )  # fmt: skip
    data = rng.choice([valid_zip(), _mask(0), b"{}", b""])
    return name, data, "by-name"


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart/form-data body of (field, filename or None, bytes)."""
    out = bytearray()
    for name, filename, data in parts:
        out += f"--{BOUNDARY}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode("utf-8", "surrogateescape")
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    return bytes(out + f"--{BOUNDARY}--\r\n".encode())


def generate(rng: random.Random) -> bytes:
    filename, data, kind = _file(rng)
    api = rng.random() < 0.3
    layout = rng.choice(["auto"] * 8 + ["total", "verse", "TOTAL", "x", ""])
    parts: list[tuple[str, str | None, bytes]] = [("layout", None, layout.encode())]
    if not api:
        parts.insert(0, ("csrf_token", None, app.CSRF_MARK))
    shape = rng.random()
    if shape < 0.9:
        parts.append(("file", filename, data))
    elif shape < 0.95:
        parts += [("file", filename, data), ("file", "second.zip", valid_zip())]
    head = {"method": "POST", "path": API if api else PAGE, "session": True, "csrf_header": api,
            "content_type": f"multipart/form-data; boundary={BOUNDARY}",
            "accept": "application/json" if api else "text/html",
            "file": [filename, kind] if shape < 0.9 else None, "layout": layout}  # fmt: skip
    return app.request_bytes(head, multipart(parts))


# --- the oracle ------------------------------------------------------------------------


def _zip_refusal(data: bytes) -> str | None:
    """Why the zip must be refused; ``None`` where no documented rule says so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_MEMBERS:
                return "more than 300 members"
            for info in infos:
                path = PurePosixPath(info.filename.replace("\\", "/"))
                if path.is_absolute() or ".." in path.parts or ":" in info.filename:
                    return "a name outside the zip's folder"
                if stat.S_ISLNK(info.external_attr >> 16):
                    return "a link"
            if sum(i.file_size for i in infos) > MAX_IMAGE_FILE_BYTES:
                return "more bytes declared than the limit"
            inflated = 0
            for info in infos:
                with archive.open(info) as member:
                    while chunk := member.read(2**20):
                        inflated += len(chunk)
                        if inflated > MAX_IMAGE_FILE_BYTES:
                            return "more bytes inflated than the limit"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            zlib.error, RuntimeError, ValueError):  # fmt: skip
        return "not a readable zip"
    return None


def _file_part(data: bytes) -> tuple[dict[str, Any] | None, bytes]:
    head, body = app.split(data)
    if head is None or not head.get("file"):
        return head, b""
    marker = f'name="file"; filename="{head["file"][0]}"'.encode("utf-8", "surrogateescape")
    at = body.find(marker)
    start = body.find(b"\r\n\r\n", at) + 4 if at >= 0 else -1
    end = body.rfind(f"\r\n--{BOUNDARY}--".encode())
    return head, body[start:end] if 0 <= start <= end else b""


def judge(data: bytes) -> tuple[bool | None, str]:
    head, content = _file_part(data)
    if head is None or not head.get("file") or head.get("layout") not in ("auto", "total", "verse"):
        return None, ""
    filename, kind = head["file"]
    if not filename.lower().endswith(SUFFIXES) or "\x00" in filename:
        return False, "a file name without .nii, .nii.gz, .zip or .json"
    if kind == "zip":
        if (why := _zip_refusal(content)) is not None:
            return False, why
        return (True, "") if content == valid_zip() and head["layout"] == "auto" else (None, "")
    if kind == "nifti" and head["layout"] == "auto":
        return nifti.judge(content)
    if kind == "landmarks" and content:
        return landmarks.judge(content)
    return None, ""


def explain(data: bytes) -> str:
    return judge(data)[1]


def check(data: bytes, run: Run) -> Verdict | None:  # noqa: ARG001 - the run says it all
    seen = app.observed(run)
    if seen.get("status") is None:
        return None
    if run.exit_code != 0 and seen.get("changed"):
        return Verdict("wrong_exit", f"stored from a refused upload: {seen['changed']}")
    said = " ".join(seen.get("messages", []))
    if "kypho-upload-" in said:  # the server's temporary folder (a zip's own names may be any)
        return Verdict("message", "shows the server's temporary path")
    if run.exit_code == 2:
        body = seen.get("body", "")
        if not said:
            return Verdict("message", f"refused ({seen['status']}) without a message")
        if "json" in seen.get("content_type", "") and json.loads(body).get("field") not in (
            "file", "layout"):  # fmt: skip
            return Verdict("message", "a JSON refusal not naming the file field")
    return None


TARGET = FuzzTarget(
    name="upload",
    suffix=".http",
    argv=app.state_argv,
    generate=generate,
    valid=lambda data: judge(data)[0],
    main=app.run_request,
    prepare=lambda workdir: _prepare(workdir),
    check=check,
)
EXPLAIN = explain


def _setup(client: Any, state: dict[str, Any]) -> None:
    from fuzz import form

    referral = form._referral(state, "01-acute-l1-worsening-candidate.json", "MRN-1")
    answer = client.post("/cases/new", data=referral)
    assert answer.status_code == 303, answer.text[:2000]


def _prepare(workdir: Any) -> None:
    app.prepare(workdir, _setup)
