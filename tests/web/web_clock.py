"""The clinic's clock in tests: the one override of ``kypho.web.deps.clinic_now``.

Import it as ``web.web_clock`` (``tests`` is on pytest's path).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI

from kypho.web.deps import clinic_now


def set_clinic_now(app: FastAPI, moment: datetime) -> None:
    """From now on, ``app``'s clinic clock reads ``moment`` (aware, in any zone)."""
    app.dependency_overrides[clinic_now] = lambda: moment
