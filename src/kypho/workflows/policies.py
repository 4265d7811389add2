"""Which policies to assess against: bundled ones by id, a user's own from a file or text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kypho.config import Settings
from kypho.errors import InvalidInput, NotFound
from kypho.policyfile import check_no_collision, load_policy, load_policy_file, load_policy_text
from kypho.rules import Policy, policy_names


def resolve_policies(
    names: Sequence[str], files: Sequence[Path], *, settings: Settings
) -> tuple[Policy, ...]:
    """The named bundled policies, then the user's files; the settings' defaults if neither.

    A name may also be the id of one of the user's files (it is then simply included).
    A user policy whose id is a bundled policy's id, or another user file's, is refused.
    """
    taken = set(policy_names())
    own: list[Policy] = []
    for path in files:
        policy = load_policy_file(path, max_bytes=settings.max_policy_file_bytes)
        own.append(check_no_collision(policy, source=str(path), taken=taken))
        taken.add(policy.id)
    own_ids = {p.id for p in own}
    option = "--policy" if names else "KYPHO_DEFAULT_POLICIES"
    chosen = list(names) or ([] if files else list(settings.default_policies))
    policies = [_bundled(name, option) for name in chosen if name not in own_ids]
    return (*policies, *own)


def _bundled(name: str, option: str) -> Policy:
    try:
        return load_policy(name)
    except NotFound as err:
        raise InvalidInput(f"{option}: {str(err).removeprefix('policy: ')}") from None


def policy_from_text(text: str, *, source: str, settings: Settings) -> Policy:
    """A user's policy from its TOML text (an upload, a form), checked like a file."""
    policy = load_policy_text(text, source=source, max_bytes=settings.max_policy_file_bytes)
    return check_no_collision(policy, source=source)
