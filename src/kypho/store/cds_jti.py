"""The ``jti`` replay cache in the database, so that several app processes share it.

``first_use`` inserts the (issuer, jti) pair, hashed, with the token's ``exp``; the
unique key makes a second insert fail, in this process or another, on SQLite and on
PostgreSQL alike: that is the replay. Rows whose ``exp`` is past (with the JWT leeway)
are deleted at most once a ``PRUNE_EVERY_S``; their tokens are refused as expired anyway.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kypho.store.models.cds_jti import CdsJti

PRUNE_EVERY_S = 60.0  # project convention: expired jti rows are few; prune once a minute


class DbJtiCache:
    """``jti`` values seen, in the ``cds_jtis`` table (``kypho.interop.cds_hooks.jwt``)."""

    def __init__(self, sessions: Callable[[], Session], *, leeway_s: float) -> None:
        self._sessions = sessions
        self._leeway = timedelta(seconds=leeway_s)
        self._pruned_at = float("-inf")
        self._lock = threading.Lock()

    def _prune_due(self) -> bool:
        with self._lock:
            due = time.monotonic() - self._pruned_at >= PRUNE_EVERY_S
            if due:
                self._pruned_at = time.monotonic()
            return due

    def first_use(self, key: str, exp: float) -> bool:
        """True the first time ``key`` is seen by any process on this database."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        expires = datetime.fromtimestamp(exp, UTC)
        with self._sessions() as db:
            if self._prune_due():
                db.execute(
                    delete(CdsJti).where(CdsJti.expires_at < datetime.now(UTC) - self._leeway)
                )
            db.add(CdsJti(key=digest, expires_at=expires))
            try:
                db.commit()
            except IntegrityError:
                db.rollback()
                return False
        return True
