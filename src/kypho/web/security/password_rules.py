"""The rules a new password must meet, and the one-time passwords the app hands out.

Messages never repeat a password; they name the field, what was expected and what was
found (a length, never the text).
"""

from __future__ import annotations

import secrets

from kypho.errors import InvalidInput

# Project conventions: at least 12 characters (the rule; NIST SP 800-63B asks at
# least 8 and accepts long passphrases); at most 1024 so hashing a pasted book is refused.
PASSWORD_MIN_CHARS = 12
PASSWORD_MAX_CHARS = 1024

# One-time passwords: 4 groups of 5 from 31 unambiguous characters (no 0/O, 1/l/I): about
# 99 bits of entropy, easy to read aloud over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS = 4
_GROUP_CHARS = 5


class InvalidField(InvalidInput):
    """Bad input in one named form field (``field`` is the form's name for it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.text = message


def one_time_password() -> str:
    groups = (
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_CHARS)) for _ in range(_GROUPS)
    )
    return "-".join(groups)


def check_new_password(*, username: str, current: str, new: str, repeated: str) -> None:
    """Raise ``InvalidField`` (field ``new_password`` or ``repeat_password``) if a rule fails."""
    if len(new) < PASSWORD_MIN_CHARS:
        raise InvalidField(
            "new_password",
            f"expected at least {PASSWORD_MIN_CHARS} characters, got {len(new)} characters",
        )
    if len(new) > PASSWORD_MAX_CHARS:
        raise InvalidField(
            "new_password",
            f"expected at most {PASSWORD_MAX_CHARS} characters, got {len(new)} characters",
        )
    if new.casefold() == username.casefold():
        raise InvalidField("new_password", "expected a password other than your username, got it")
    if new == current:
        raise InvalidField(
            "new_password", "expected a password other than the current one, got the same"
        )
    if new != repeated:
        raise InvalidField(
            "repeat_password", "expected the new password typed again, got a different text"
        )
