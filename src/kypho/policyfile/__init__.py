"""Policy files at the edge: a pydantic model of the TOML, its checks and messages.

``load_policy_file`` and ``load_policy_text`` read a user's policy; ``load_policy``
a bundled one; all three return the core's frozen ``kypho.rules.Policy``. Every
fault is one ``InvalidPolicyFile`` (an ``InvalidInput``) naming the file, the path
inside it, what was expected and what was found.
"""

from kypho.policyfile.load import (
    DEFAULT_MAX_BYTES,
    check_no_collision,
    load_policy,
    load_policy_file,
    load_policy_text,
    parse_toml,
    read_policy_file,
    validate_policy,
)
from kypho.policyfile.messages import InvalidPolicyFile
from kypho.policyfile.model import PolicyFile
from kypho.policyfile.schema import policy_json_schema

__all__ = [
    "DEFAULT_MAX_BYTES",
    "InvalidPolicyFile",
    "PolicyFile",
    "check_no_collision",
    "load_policy",
    "load_policy_file",
    "load_policy_text",
    "parse_toml",
    "policy_json_schema",
    "read_policy_file",
    "validate_policy",
]
