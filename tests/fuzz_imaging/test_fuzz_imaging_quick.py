"""The quick, seeded fuzz profile of landmark and NIfTI files, in process.

Each generated file runs through ``kypho.cli.main``: an exception escaping it fails the
test; the exit status must be what the independent oracle (``fuzz.landmarks.judge``,
``fuzz.nifti.judge``) says: refused (2) when it says invalid, measured (0) when valid.
The long profile is ``bench/fuzz.py --only landmarks`` / ``--only nifti``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fuzz import landmarks, nifti
from kypho.cli import main

QUICK_INPUTS = 60  # per target: a few seconds


@pytest.mark.parametrize("module", [landmarks, nifti], ids=["landmarks", "nifti"])
def test_generated_files_exit_as_the_oracle_says(
    module, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(15)  # issue 15
    outcomes = {True: 0, False: 0, None: 0}
    for i in range(QUICK_INPUTS):
        data = module.generate(rng)
        path = tmp_path / f"{i}{module.TARGET.suffix}"
        path.write_bytes(data)
        code = main(module.TARGET.argv(path)[:])
        err = capsys.readouterr().err
        valid, why = module.judge(data)
        outcomes[valid] += 1
        if valid is True:
            assert (code, err) == (0, ""), f"input {i}: refused though valid: {err}"
        elif valid is False:
            assert code == 2, f"input {i}: accepted though invalid ({why})"
            assert err.startswith(f"kypho: error: {path}"), err
    assert outcomes[True] >= 10 and outcomes[False] >= 10  # both sides were exercised
    path.unlink()
