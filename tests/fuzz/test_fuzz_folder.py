"""Folder inputs of the fuzz harness: packing, forgiving unpacking, and naming the input."""

from __future__ import annotations

from pathlib import Path

from fuzz.classify import Run, classify
from fuzz.folder import pack, records, unpack

FILES = {"ct/a.dcm": b"\x00abc", "labels.nii.gz": b"xyz", "out/": b""}


def test_packed_files_come_back_as_written(tmp_path: Path) -> None:
    assert records(pack(FILES)) == FILES
    unpack(pack(FILES), tmp_path / "in.series")
    assert (tmp_path / "in.series" / "ct" / "a.dcm").read_bytes() == b"\x00abc"
    assert (tmp_path / "in.series" / "out").is_dir()


def test_cut_bytes_give_what_can_be_read() -> None:
    data = pack(FILES)
    cut = data[: data.index(b"xyz") + 1]  # the labels file cut after one byte
    assert records(cut) == {"ct/a.dcm": b"\x00abc", "labels.nii.gz": b"x"}
    assert records(data[:3]) == {}
    assert records(b"../x\x003\x00abc") == {}  # never outside the folder


def test_a_refusal_must_name_a_file_of_the_folder() -> None:
    path = Path("/tmp/w/in-3.series")
    argv = ["measure", "--ct", f"{path}/ct", "--labels", f"{path}/labels.nii.gz"]
    named = Run(2, "", f"kypho: error: {path}/ct/s001.dcm: Rows (0028,0010): x\n", 1, 0.1, False)
    unnamed = Run(2, "", "kypho: error: Rows (0028,0010): x\n", 1, 0.1, False)
    assert classify(named, argv=argv, path=path, valid=None).kind == "ok"
    assert classify(unnamed, argv=argv, path=path, valid=None).kind == "message"
