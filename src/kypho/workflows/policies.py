"""Which policies to assess against: bundled ones by id, a user's own from a file or text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kypho.config import Settings
from kypho.policyfile import check_no_collision, load_policy, load_policy_file, load_policy_text
from kypho.rules import Policy, policy_names


def resolve_policies(
    names: Sequence[str], files: Sequence[Path], *, settings: Settings
) -> tuple[Policy, ...]:
    """The named bundled policies, then the user's files; the settings' defaults if neither.

    A user policy whose id is a bundled policy's id, or another user file's, is refused.
    """
    chosen = list(names) or ([] if files else list(settings.default_policies))
    policies = [load_policy(name) for name in chosen]
    taken = set(policy_names())
    for path in files:
        policy = load_policy_file(path, max_bytes=settings.max_policy_file_bytes)
        policies.append(check_no_collision(policy, source=str(path), taken=taken))
        taken.add(policy.id)
    return tuple(policies)


def policy_from_text(text: str, *, source: str, settings: Settings) -> Policy:
    """A user's policy from its TOML text (an upload, a form), checked like a file."""
    policy = load_policy_text(text, source=source, max_bytes=settings.max_policy_file_bytes)
    return check_no_collision(policy, source=source)
