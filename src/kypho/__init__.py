"""kypho: decision support for the balloon kyphoplasty care pathway.

The physician decides; kypho explains. The public API below is what scripts and other
programs should use; everything else may change between versions. Names are imported on
first use (PEP 562), so ``kypho measure`` does not pay for pydantic or the rules engine.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kypho.casefile import dump_case, load_case, parse_case
    from kypho.domain import Case, Level
    from kypho.errors import InvalidInput, KyphoError, NotFound
    from kypho.rules import Assessment, Decision, Outcome, assess, load_policy, policy_names

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_HOME = {
    "Assessment": "kypho.rules",
    "Case": "kypho.domain",
    "Decision": "kypho.rules",
    "InvalidInput": "kypho.errors",
    "KyphoError": "kypho.errors",
    "Level": "kypho.domain",
    "NotFound": "kypho.errors",
    "Outcome": "kypho.rules",
    "assess": "kypho.rules",
    "dump_case": "kypho.casefile",
    "load_case": "kypho.casefile",
    "load_policy": "kypho.rules",
    "parse_case": "kypho.casefile",
    "policy_names": "kypho.rules",
}

__all__ = [
    "Assessment",
    "Case",
    "Decision",
    "InvalidInput",
    "KyphoError",
    "Level",
    "NotFound",
    "Outcome",
    "assess",
    "dump_case",
    "load_case",
    "load_policy",
    "parse_case",
    "policy_names",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kypho' has no attribute {name!r}")
