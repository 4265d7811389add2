"""Refuse unsafe settings before the clinic app starts; make the development secret once.

Outside development (``KYPHO_ENVIRONMENT=production``) the app refuses to start without
a real secret key, or with cookies that travel over plain http while users reach the app
at an ``https://`` address. In development, a missing secret key is generated once into
``<data_dir>/secret_key`` (mode 0600) and reused at every start.

Every refusal is ``InvalidInput`` naming the ``KYPHO_*`` setting, what was expected and
what was found (never the secret itself).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from kypho.config import Settings
from kypho.errors import InvalidInput

# Project convention: 32 characters of token_urlsafe are 192 bits, above the 128 bits
# OWASP's session-management guidance asks of a secret; the generated key has 64.
SECRET_KEY_MIN_CHARS = 32
SECRET_KEY_GENERATED_BYTES = 48  # secrets.token_urlsafe(48): 64 characters, 384 bits
# A random key of 32 characters from 64 symbols has ~25 distinct ones; fewer than 10 is a
# pattern someone typed ("x" * 32, "abcabc..."), not a key.
SECRET_KEY_MIN_DISTINCT_CHARS = 10
SECRET_FILE_NAME = "secret_key"
SECRET_FILE_MODE = 0o600

PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "changeme", "change-me", "change_me", "secret", "secret-key", "secretkey",
     "password", "development", "dev", "test", "kypho", "insecure", "default", "xxx"}
)  # fmt: skip
PLACEHOLDER_WORDS = ("changeme", "changethis", "change-me", "change_me", "placeholder")


def _looks_like_placeholder(secret: str) -> bool:
    folded = secret.strip().casefold()
    return (
        folded in PLACEHOLDER_SECRETS
        or any(word in folded for word in PLACEHOLDER_WORDS)
        or len(set(secret)) < SECRET_KEY_MIN_DISTINCT_CHARS
    )


def _check_secret(secret: str | None) -> None:
    advice = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    if not secret:
        raise InvalidInput(f"KYPHO_SECRET_KEY: expected a secret key in production, found none; "
                           f"{advice}")  # fmt: skip
    if len(secret) < SECRET_KEY_MIN_CHARS:
        raise InvalidInput(
            f"KYPHO_SECRET_KEY: expected at least {SECRET_KEY_MIN_CHARS} characters, "
            f"found {len(secret)}; {advice}"
        )
    if _looks_like_placeholder(secret):
        raise InvalidInput(
            f"KYPHO_SECRET_KEY: expected a random secret, found a placeholder or a pattern; "
            f"{advice}"
        )


def _check_cookies(settings: Settings) -> None:
    if (settings.public_url or "").casefold().startswith("https://") and not settings.cookie_secure:
        raise InvalidInput(
            "KYPHO_COOKIE_SECURE: expected true when KYPHO_PUBLIC_URL is https://..., "
            "found false (session cookies would also travel over plain http)"
        )


def _read_secret_file(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InvalidInput(
            f"{path}: expected a secret key file only its owner can read (mode 600), "
            f"found mode {mode:o}; run: chmod 600 {path}"
        )
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < SECRET_KEY_MIN_CHARS:
        raise InvalidInput(
            f"{path}: expected a secret key of at least {SECRET_KEY_MIN_CHARS} characters, "
            f"found {len(secret)}; delete the file to have a new one generated"
        )
    return secret


def development_secret(data_dir: Path) -> tuple[str, bool]:
    """The secret in ``data_dir/secret_key``, made now if missing; (secret, made now)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    secret = secrets.token_urlsafe(SECRET_KEY_GENERATED_BYTES)
    try:  # O_EXCL: of two starts at once, one writes and the other reads
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    except FileExistsError:
        return _read_secret_file(path), False
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    return secret, True


def check_settings(settings: Settings) -> tuple[Settings, list[str]]:
    """``settings`` made safe to serve with (a secret key set), and what was done.

    Raises ``InvalidInput`` naming the setting when the settings are unsafe.
    """
    if settings.environment != "development":
        _check_secret(settings.secret_key)
        _check_cookies(settings)
        return settings, []
    if settings.secret_key:
        return settings, []
    secret, made = development_secret(settings.data_dir)
    path = (settings.data_dir / SECRET_FILE_NAME).resolve()
    note = f"generated into {path} (mode 600)" if made else f"read from {path}"
    return settings.model_copy(update={"secret_key": secret}), [f"Secret key: {note}"]
