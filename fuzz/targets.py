"""Every fuzz target there is, by name, with its explanation of refusals where it has one.

Targets of other input kinds (``fuzz.landmarks``, ``fuzz.nifti``) are picked up when
their module exists; a missing one is reported, not an error.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from fuzz.harness import Explain
from fuzz.target import FuzzTarget

OPTIONAL_MODULES = (
    "fuzz.landmarks", "fuzz.nifti", "fuzz.fhir", "fuzz.dicom", "fuzz.seg",
    "fuzz.cds", "fuzz.form", "fuzz.upload",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    target: FuzzTarget
    explain: Explain | None


def _own() -> list[Entry]:
    from fuzz import casefile, options, policy

    return [
        Entry(casefile.TARGET, casefile.EXPLAINS["case"]),
        Entry(casefile.PLAN_TARGET, casefile.EXPLAINS["case-plan"]),
        Entry(casefile.OUTCOMES_TARGET, casefile.EXPLAINS["case-outcomes"]),
        Entry(policy.TARGET, policy.EXPLAIN),
        Entry(options.TARGET, options.EXPLAIN),
    ]


def all_targets() -> tuple[dict[str, Entry], list[str]]:
    """(targets by name, notes about modules that are absent)."""
    found = {e.target.name: e for e in _own()}
    notes: list[str] = []
    for name in OPTIONAL_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            notes.append(f"{name} is absent: skipped")
            continue
        target = module.TARGET
        found[target.name] = Entry(target, getattr(module, "EXPLAIN", None))
    return found, notes
