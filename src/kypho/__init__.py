"""kypho: decision support for the balloon kyphoplasty care pathway.

The physician decides; kypho explains. The public API below is what scripts and other
programs should use; everything else may change between versions.
"""

import logging

from kypho.casefile import dump_case, load_case, parse_case
from kypho.domain import Case, Level
from kypho.errors import InvalidInput, KyphoError, NotFound
from kypho.rules import Assessment, Decision, Outcome, assess, load_policy, policy_names

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

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
