"""What a fuzz target is: a parser, how to run one input through the CLI, and an oracle."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, kw_only=True)
class FuzzTarget:
    """One input kind kypho reads.

    ``valid`` is the oracle, independent of the code under test where it can be (a
    published schema, the NIfTI standard, the documented rules): ``True`` means the
    input must be accepted (exit 0 or 1), ``False`` that it must be refused (exit 2),
    ``None`` that the oracle has no opinion (only tracebacks, hangs and memory count).
    """

    name: str  # "case", "landmarks", "nifti", "policy"
    suffix: str  # the input file's suffix: ".json", ".nii.gz", ".toml"
    argv: Callable[[Path], list[str]]  # the kypho CLI arguments for one input file
    generate: Callable[[random.Random], bytes]  # one input, from a seeded generator
    valid: Callable[[bytes], bool | None]
