"""Measurements: an uploaded study measured, stored with its results and picture, audited.

The upload is measured with ``kypho.workflows.measure.measure_file`` exactly as
``kypho measure`` does it; the results are the JSON ``kypho measure --format json``
prints (``spine_dict``) and the picture the PNG ``kypho measure --image`` writes. Adding a
measurement to the case measures the stored bytes again (same file, same answer) and
saves a new case version.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.domain.imaging import Modality
from kypho.errors import Conflict, InvalidInput
from kypho.imaging.render import render_png
from kypho.morphometry.report import spine_dict
from kypho.morphometry.types import DEFAULT_STATIONS, Stations
from kypho.store.audit import Actor, record_event
from kypho.store.case_records import get_case_record
from kypho.store.cases import StoredCase, get_case, save_case
from kypho.store.models import Measurement
from kypho.workflows.measure import MeasuredStudy, add_study_to_case, measure_file

# TotalSegmentator's `total` task writes 117 files, one per structure (v2 class map);
# project convention: room for its other tasks, and no more, so a zip cannot flood the disk.
ZIP_MAX_MEMBERS = 300
NIFTI_SUFFIXES = (".nii", ".nii.gz")
COPY_CHUNK_BYTES = 1 << 20


def upload_kind(filename: str) -> str:
    """``nifti``, ``zip`` or ``landmarks``, from the uploaded file's name."""
    name = filename.lower()
    if name.endswith(NIFTI_SUFFIXES):
        return "nifti"
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(".json"):
        return "landmarks"
    raise InvalidInput(
        f"file: expected a .nii, .nii.gz, .zip (a folder of vertebrae_<LEVEL>.nii.gz) or "
        f".json (landmarks) file, got {filename!r}"
    )


def _member(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's safe relative path; ``None`` for folders and files not NIfTI."""
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InvalidInput(f"file: expected plain files in the zip, found the link {name!r}")
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in name:
        raise InvalidInput(f"file: expected paths inside the zip's own folder, found {name!r}")
    if info.is_dir() or not name.lower().endswith(NIFTI_SUFFIXES):
        return None
    return path


def _copy(archive: zipfile.ZipFile, members: list[tuple[zipfile.ZipInfo, PurePosixPath]],
          dest: Path, max_total_bytes: int) -> None:  # fmt: skip
    """Write each member below ``dest``, counting the bytes really written (sizes can lie)."""
    written = 0
    for info, rel in members:
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, target.open("xb") as out:
            while chunk := src.read(COPY_CHUNK_BYTES):
                written += len(chunk)
                if written > max_total_bytes:
                    raise InvalidInput(
                        f"file: expected at most {max_total_bytes:,} bytes unpacked "
                        "(KYPHO_MAX_IMAGE_FILE_BYTES), found more"
                    )
                out.write(chunk)


def _study_folder(dest: Path) -> Path:
    folders = sorted({p.parent for p in dest.rglob("vertebrae_*.nii*")})
    if len(folders) != 1:
        found = "none" if not folders else f"{len(folders)} folders of them"
        raise InvalidInput(
            f"file: expected one folder of TotalSegmentator files vertebrae_<LEVEL>.nii.gz "
            f"in the zip, found {found}"
        )
    return folders[0]


def extract_zip(
    path: Path, dest: Path, *, max_total_bytes: int, max_members: int = ZIP_MAX_MEMBERS
) -> Path:
    """Unpack the NIfTI files of a zip below ``dest``; the folder of ``vertebrae_*`` files.

    Refused, before anything is written: absolute paths, ``..``, links, more than
    ``max_members`` members, or more than ``max_total_bytes`` declared; while writing,
    more than ``max_total_bytes`` really unpacked (a zip bomb).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > max_members:
                raise InvalidInput(
                    f"file: expected a zip of at most {max_members} members, found {len(infos)}"
                )
            members = [(i, p) for i in infos if (p := _member(i)) is not None]
            if sum(i.file_size for i, _ in members) > max_total_bytes:
                raise InvalidInput(
                    f"file: expected at most {max_total_bytes:,} bytes unpacked "
                    "(KYPHO_MAX_IMAGE_FILE_BYTES), found more declared"
                )
            _copy(archive, members, dest, max_total_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError,
            zlib.error, FileExistsError, EOFError) as err:  # fmt: skip
        raise InvalidInput(f"file: expected a readable zip archive, found {err}") from None
    return _study_folder(dest)


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadedStudy:
    """What was uploaded: its name as sent, its bytes, and the layout chosen for it."""

    filename: str
    data: bytes
    layout: str | None = None  # auto (None), total or verse; a zip is always total-files


def results_json(measured: MeasuredStudy) -> str:
    """The ``kypho measure --format json`` document (no Cobb spans asked)."""
    return json.dumps(spine_dict(measured.spine, cobb=[]), indent=2)


def picture_png(measured: MeasuredStudy) -> bytes:
    """The mid-sagittal picture, drawn as ``kypho measure --image`` draws it."""
    drawn = measured.image
    if drawn is None:
        return render_png(measured.spine)
    return render_png(measured.spine, labels=drawn.labels, geometry=drawn.geometry)


def _named(err: InvalidInput, path: Path, filename: str) -> InvalidInput:
    """kypho's message with the temporary path replaced by the name the user uploaded."""
    text = str(err).replace(str(path), filename).replace(f"{path.parent}/", "")
    return InvalidInput(f"file: {text}" if not text.startswith("file") else text)


def measure_upload(
    upload: UploadedStudy, *, settings: Settings, stations: Stations = DEFAULT_STATIONS
) -> MeasuredStudy:
    """Measure the uploaded bytes in a temporary folder (removed afterwards).

    ``stations``: where the heights are read (``Stations``); the results say which.
    """
    kind = upload_kind(upload.filename)
    lower = upload.filename.lower()
    suffix = ".nii.gz" if lower.endswith(".nii.gz") else Path(lower).suffix
    with tempfile.TemporaryDirectory(prefix="kypho-upload-") as tmp:
        folder = Path(tmp)
        path = folder / f"upload{suffix.lower()}"
        path.write_bytes(upload.data)
        layout = upload.layout
        try:
            if kind == "zip":
                limit = settings.max_image_file_bytes
                path = extract_zip(path, folder / "study", max_total_bytes=limit)
                layout = "total-files"
            return measure_file(
                path,
                layout=layout,
                max_voxels=settings.max_image_voxels,
                max_file_bytes=settings.max_image_file_bytes,
                keep_image=True,
                stations=stations,
            )
        except InvalidInput as err:
            raise _named(err, folder / f"upload{suffix}", upload.filename) from None


def store_measurement(
    db: Session,
    actor: Actor,
    case_pk: int,
    upload: UploadedStudy,
    *,
    settings: Settings,
    stations: Stations = DEFAULT_STATIONS,
) -> Measurement:
    """Measure ``upload`` and store it for case ``case_pk``; nothing is stored if it is bad.

    ``stations``: where the heights are read; the stored results say which (``stations``).
    """
    get_case(db, actor, case_pk)  # the case exists (and the read is audited)
    measured = measure_upload(upload, settings=settings, stations=stations)
    row = Measurement(
        case_id=case_pk,
        filename=Path(upload.filename).name[:255],
        kind=upload_kind(upload.filename),
        upload=upload.data,
        upload_sha256=hashlib.sha256(upload.data).hexdigest(),
        results=results_json(measured),
        picture_png=picture_png(measured),
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    record_event(db, actor, action="create", record_type="measurement", record_id=row.id,
                 case_id=case_pk, detail=f"kind {row.kind}")  # fmt: skip
    return row


_UID = re.compile(r"[0-9]+(\.[0-9]+)*")
UID_MAX_CHARS = 64  # DICOM PS3.5 9.1: a UID is at most 64 characters of digits and dots


def checked_uid(field: str, value: str) -> str:
    """A DICOM UID as typed, or ``InvalidInput`` naming ``field``."""
    uid = value.strip()
    if not uid or len(uid) > UID_MAX_CHARS or not _UID.fullmatch(uid):
        shown = uid if len(uid) <= 80 else uid[:80] + "..."
        raise InvalidInput(
            f"{field}: expected a DICOM UID (digits and dots, at most {UID_MAX_CHARS} "
            f"characters), got {shown!r}"
        )
    return uid


def store_pacs_measurement(
    db: Session,
    actor: Actor,
    case_pk: int,
    study_uid: str,
    *,
    series_uid: str | None,
    settings: Settings,
    stations: Stations = DEFAULT_STATIONS,
) -> Measurement:
    """Pull a study (its CT and SEG) from the configured PACS, measure it, store it.

    The stored "upload" is the provenance (URL, study and series UIDs) as JSON: the images
    stay in the PACS. Nothing is stored if the pull or the measurement fails. ``stations``:
    where the heights are read; the stored results say which (``stations``).
    """
    from kypho.workflows.measure_dicom import measure_from_dicomweb  # pydicom: when asked

    url = settings.dicomweb_url
    if not url:
        raise InvalidInput("study_uid: no PACS is configured (KYPHO_DICOMWEB_URL)")
    get_case(db, actor, case_pk)  # the case exists (and the read is audited)
    measured = measure_from_dicomweb(url, study_uid, series_uid=series_uid,
                                     max_voxels=settings.max_image_voxels,
                                     max_file_bytes=settings.max_image_file_bytes,
                                     stations=stations)  # fmt: skip
    source = json.dumps({"dicomweb": url, "study": study_uid, "series": series_uid}).encode()
    picture = render_png(measured.spine, labels=measured.labels, geometry=measured.ct.geometry)
    row = Measurement(
        case_id=case_pk,
        filename=f"PACS study {study_uid}"[:255],
        kind="dicomweb",
        upload=source,
        upload_sha256=hashlib.sha256(source).hexdigest(),
        results=json.dumps(spine_dict(measured.spine, cobb=[]), indent=2),
        picture_png=picture,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    record_event(db, actor, action="create", record_type="measurement", record_id=row.id,
                 case_id=case_pk, detail="kind dicomweb")  # fmt: skip
    return row


def get_measurement(db: Session, actor: Actor, case_pk: int, m_id: int) -> Measurement:
    """One measurement of case ``case_pk``; the read is audited."""
    return get_case_record(
        db, actor, Measurement, case_pk=case_pk, record_id=m_id, name="measurement"
    )


def list_measurements(db: Session, actor: Actor, case_pk: int) -> list[Measurement]:
    """Every measurement of the case, newest first; the read is audited."""
    rows = list(
        db.scalars(
            select(Measurement)
            .where(Measurement.case_id == case_pk)
            .order_by(Measurement.id.desc())
        )
    )
    record_event(db, actor, action="read", record_type="measurement", record_id="*",
                 case_id=case_pk, detail=f"count {len(rows)}")  # fmt: skip
    return rows


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyDetails:
    """The study the measurement came from, as entered on the "Add to case" form."""

    study_date: date
    modality: Modality = Modality.CT
    study_id: str | None = None


def stored_stations(results: dict[str, object]) -> Stations:
    """The stations a stored measurement was read at, to measure it again the same way.

    Results stored before stations were named (no ``stations`` key) were read at
    15/50/85 %; landmarks (``null``) sit where the reader put them, so any will do.
    """
    if "stations" not in results:
        return Stations.TS_15_50_85
    named = results["stations"]
    return DEFAULT_STATIONS if named is None else Stations(str(named))


def add_to_case(
    db: Session,
    actor: Actor,
    case_pk: int,
    m_id: int,
    study: StudyDetails,
    *,
    expected_version: int,
    settings: Settings,
) -> StoredCase:
    """Add the measured study to the case as a new version; mark the measurement."""
    row = get_measurement(db, actor, case_pk, m_id)
    if row.added_in_version is not None:
        raise InvalidInput(
            f"measurement: expected a measurement not yet added, found it added in "
            f"version {row.added_in_version}"
        )
    stored = get_case(db, actor, case_pk)
    shown = json.loads(row.results)
    again = UploadedStudy(filename=row.filename, data=row.upload, layout=shown.get("layout"))
    measured = measure_upload(again, settings=settings, stations=stored_stations(shown))
    if results_json(measured) != row.results:  # what is added must be what was shown
        raise Conflict(
            f"measurement {m_id}: measured again, the stored file gives other results than "
            "those shown (kypho was updated since); upload the study again"
        )
    case = add_study_to_case(
        stored.case,
        measured,
        study_date=study.study_date,
        modality=study.modality,
        study_id=study.study_id,
    )
    saved = save_case(db, actor, case_pk, case, expected_version=expected_version,
                      note=f"imaging from measurement {m_id}")  # fmt: skip
    row.added_in_version = saved.version
    record_event(db, actor, action="update", record_type="measurement", record_id=m_id,
                 case_id=case_pk, detail=f"added in version {saved.version}")  # fmt: skip
    return saved
