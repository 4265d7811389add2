"""Pull a study from a DICOMweb server and push kypho's SEG and SR back (dicomweb-client).

QIDO-RS finds the study's series; WADO-RS retrieves, as stored, the CT series and, when
there is one, the SEG drawn on it (not one kypho wrote: its own results are never
measured again); STOW-RS stores the SEG and the SR in one request, after a QIDO-RS check
that the server answers and holds the study, so a server that is down stores nothing. A
server that stores one and refuses the other is reported naming both. Every failure is
one message naming the URL and the server's answer (status and the start of its body).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset

from kypho.errors import InvalidInput

TIMEOUT_S = 30.0  # per request (project convention)
ANSWER_CHARS = 300  # of a refusal's body shown in the message
OWN_MANUFACTURER = "kypho (open source)"  # as seg_write.MANUFACTURER
T = TypeVar("T")
# Ask for the instances as stored (any transfer syntax; kypho decodes JPEG 2000 itself):
# a transcoding server may change pixel data, and Orthanc 1.10's GDCM plugin was seen to
# crash on a second transcoding request for the shared JPEG 2000 series.
AS_STORED = (("application/dicom", "*"),)


@dataclass(frozen=True, slots=True, kw_only=True)
class PulledStudy:
    """Where the pulled CT series (and the SEG of it, if any) were written."""

    ct: Path
    seg: Path | None
    ct_series_uid: str


def _answer(err: requests.RequestException) -> str:
    response = err.response
    if response is None:
        return f"no answer ({type(err).__name__}: {err})"
    body = response.text[:ANSWER_CHARS].strip().replace("\n", " ")
    return f"HTTP {response.status_code} {response.reason}: {body or '(empty body)'}"


def _call(url: str, what: str, step: Callable[[], T]) -> T:
    try:
        return step()
    except requests.RequestException as err:
        raise InvalidInput(f"{url}: {what}: {_answer(err)}") from None
    except (ValueError, KeyError) as err:
        raise InvalidInput(f"{url}: {what}: unexpected answer: {err}") from None


def client(url: str) -> DICOMwebClient:
    """A client of the DICOMweb service at ``url`` (e.g. ``http://pacs/dicom-web``)."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"--from-dicomweb: expected an http:// or https:// URL, got {url!r}")
    web = DICOMwebClient(url, timeout=TIMEOUT_S)
    web.set_http_retry_params(retry=False)  # one clear answer, not five silent retries
    return web


def find_series(url: str, study_uid: str) -> list[Dataset]:
    """The series of ``study_uid`` (QIDO-RS), each with its Modality and Series UID."""
    web = client(url)
    found = _call(
        url,
        f"QIDO-RS series of study {study_uid}",
        lambda: web.search_for_series(study_instance_uid=study_uid),
    )
    series = [Dataset.from_json(item) for item in found]
    if not series:
        raise InvalidInput(f"{url}: study {study_uid}: expected a study, found no series")
    return series


def _choose_ct(url: str, study_uid: str, series: list[Dataset], wanted: str | None) -> str:
    cts = [str(s.SeriesInstanceUID) for s in series if s.get("Modality") == "CT"]
    if wanted is not None:
        if wanted not in cts:
            raise InvalidInput(
                f"{url}: study {study_uid}: expected CT series {wanted}, found {cts}"
            )
        return wanted
    if len(cts) != 1:
        raise InvalidInput(
            f"{url}: study {study_uid}: expected one CT series (or name it with --series), "
            f"found {len(cts)}: {cts}"
        )
    return cts[0]


def _write(folder: Path, datasets: Sequence[Dataset]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, ds in enumerate(datasets):
        ds.save_as(folder / f"{n:05d}.dcm", enforce_file_format=True)
    return folder


def _refers_to(seg: Dataset, ct_series_uid: str) -> bool:
    refs = [str(i.get("SeriesInstanceUID", "")) for i in seg.get("ReferencedSeriesSequence", [])]
    return ct_series_uid in refs and seg.get("Manufacturer") != OWN_MANUFACTURER


def _retrieve(url: str, web: DICOMwebClient, study_uid: str, series_uid: str) -> list[Dataset]:
    return _call(
        url,
        f"WADO-RS series {series_uid}",
        lambda: web.retrieve_series(study_uid, series_uid, media_types=AS_STORED),
    )


def pull_study(
    url: str, study_uid: str, folder: Path, *, series_uid: str | None = None
) -> PulledStudy:
    """Retrieve the study's CT series (and a SEG of it) into ``folder`` (WADO-RS)."""
    web = client(url)
    series = find_series(url, study_uid)
    ct_uid = _choose_ct(url, study_uid, series, series_uid)
    ct = _retrieve(url, web, study_uid, ct_uid)
    segs: list[Dataset] = []
    for s in series:
        if s.get("Modality") != "SEG":
            continue
        segs += [
            d
            for d in _retrieve(url, web, study_uid, str(s.SeriesInstanceUID))
            if _refers_to(d, ct_uid)
        ]
    if len(segs) > 1:
        raise InvalidInput(
            f"{url}: study {study_uid}: expected at most one SEG of CT series {ct_uid}, found "
            f"{len(segs)} (pass the one to use with --labels)"
        )
    seg = _write(folder / "seg", segs) / "00000.dcm" if segs else None
    return PulledStudy(ct=_write(folder / "ct", ct), seg=seg, ct_series_uid=ct_uid)


def _stow_answer(err: requests.RequestException) -> str:
    """What a refused STOW-RS stored and refused, from its DICOM JSON body when it has one."""
    response = err.response
    try:
        answer = Dataset.from_json(response.json()) if response is not None else None
    except (ValueError, KeyError, TypeError):
        answer = None
    if answer is None:
        return _answer(err)
    stored = [
        str(i.get("ReferencedSOPInstanceUID", "?")) for i in answer.get("ReferencedSOPSequence", [])
    ]
    failed = [
        f"{i.get('ReferencedSOPInstanceUID', '?')} (Failure Reason {i.get('FailureReason', '?')})"
        for i in answer.get("FailedSOPSequence", [])
    ]
    status = f"HTTP {response.status_code} {response.reason}" if response is not None else "?"
    kept = f"; it stored {', '.join(stored)} (remove before pushing again)" if stored else ""
    return f"{status}: refused {', '.join(failed) or '(none named)'}{kept}"


def store(url: str, datasets: Sequence[Dataset]) -> list[str]:
    """STOW-RS ``datasets`` (one study) in one request, after checking the server holds it."""
    studies = sorted({str(ds.StudyInstanceUID) for ds in datasets})
    if len(studies) != 1:
        raise InvalidInput(
            f"{url}: STOW-RS: expected instances of one study, found {len(studies)}: {studies}"
            " (nothing sent)"
        )
    web = client(url)
    find_series(url, studies[0])  # down, or without the study: nothing is sent
    try:
        answer = web.store_instances(list(datasets), study_instance_uid=studies[0])
    except requests.RequestException as err:
        raise InvalidInput(f"{url}: STOW-RS: {_stow_answer(err)}") from None
    failed = [
        str(i.get("ReferencedSOPInstanceUID", "?")) for i in answer.get("FailedSOPSequence", [])
    ]
    if failed:  # a 2xx answer that still names failures
        raise InvalidInput(f"{url}: STOW-RS: refused {', '.join(failed)} (the others were stored)")
    return [str(ds.SOPInstanceUID) for ds in datasets]
