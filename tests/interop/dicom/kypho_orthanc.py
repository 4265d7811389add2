"""A real Orthanc on loopback for the DICOMweb tests: per-run configuration and storage.

Started from its Debian package (``Orthanc``, plugins ``libOrthancDicomWeb`` and
``libOrthancGdcm``) with a JSON configuration in the test's temporary folder: storage
there, ``RemoteAccessAllowed: false`` (only loopback clients are answered), the HTTP port
a free loopback port, and the DICOM (DIMSE) server disabled: Orthanc 1.10 cannot bind
its ports to loopback only, and these tests speak DICOMweb alone. Stopped by its PID.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from kypho_dicom_support import IN_CI, need_program

PLUGINS = (
    "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/share/orthanc/plugins/libOrthancGdcm.so",
)
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def orthanc(folder: Path) -> Iterator[str]:
    """Run Orthanc with storage in ``folder``; yields its HTTP base URL."""
    program = need_program("Orthanc")
    plugins = [p for p in PLUGINS if Path(p).is_file()]
    if len(plugins) != len(PLUGINS):
        missing = sorted(set(PLUGINS) - set(plugins))
        why = f"Orthanc plugins absent: {missing} (apt-get install orthanc-dicomweb orthanc-gdcm)"
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)
    port = free_port()
    config = {
        "Name": "kypho-test",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "HttpPort": port,
        "DicomServerEnabled": False,
        "DicomPort": free_port(),
        "Plugins": plugins,
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "HttpThreadsCount": 4,
        "ConcurrentJobs": 1,
    }
    path = folder / "orthanc.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    log = (folder / "orthanc.log").open("wb")
    process = subprocess.Popen([program, str(path)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, process, folder / "orthanc.log")
        yield base
    finally:
        process.terminate()  # this process, by its PID
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/system", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"Orthanc did not answer within {START_TIMEOUT_S} s: {log.read_text()[-2000:]}"
    )


def upload(base: str, files: list[Path]) -> None:
    """Store ``files`` through Orthanc's own REST API (not kypho's DICOMweb code)."""
    for file in files:
        answer = requests.post(f"{base}/instances", data=file.read_bytes(), timeout=30)
        answer.raise_for_status()


def series_of(base: str, study_uid: str) -> dict[str, list[bytes]]:
    """Modality -> the Part 10 files of every instance of that modality in the study."""
    found = requests.post(f"{base}/tools/lookup", data=study_uid, timeout=30).json()
    (study,) = [f["ID"] for f in found if f["Type"] == "Study"]
    files: dict[str, list[bytes]] = {}
    for series in requests.get(f"{base}/studies/{study}/series", timeout=30).json():
        modality = series["MainDicomTags"].get("Modality", "")
        for instance in series["Instances"]:
            data = requests.get(f"{base}/instances/{instance}/file", timeout=30).content
            files.setdefault(modality, []).append(data)
    return files
