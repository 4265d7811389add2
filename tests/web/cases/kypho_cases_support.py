"""Helpers of the cases area's tests: the example cases as API bodies, a fixed clock.

The clock is fixed at 2026-11-27 09:00 UTC, a day the examples are dated for: every
study and pain score lies before it, and case EX-07's procedure (2026-11-26) is past
while the other examples' (2026-11-28) is still to come.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kypho.store.audit import SYSTEM
from kypho.store.engine import session_factory, transaction
from kypho.store.people import create_user, issue_api_token
from web.web_clock import set_clinic_now

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def fix_clock(app: FastAPI, now: datetime = NOW) -> None:
    set_clinic_now(app, now)


def example(stem: str) -> dict[str, Any]:
    """The case file JSON of ``examples/cases/{stem}.json`` (a fresh copy)."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{stem}.json").read_text())
    return copy.deepcopy(data)


def example_stems() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.json"))


def body(stem: str, *, number: int | None = None) -> dict[str, Any]:
    """A POST /api/cases body for an example, with a made-up patient (no real person)."""
    n = number if number is not None else int(stem[:2])
    return {
        "patient": {"mrn": f"MRN-{n:04d}", "name": f"Testpatient Number{n}",
                    "birth_date": "1947-03-14"},
        "case": example(stem),
        "referred_on": "2026-11-12",
    }  # fmt: skip


def token_for(engine: Engine, role: str, username: str) -> str:
    with transaction(session_factory(engine)) as db:
        user = create_user(db, SYSTEM, username=username, display_name=f"Test {role}",
                           role=role, password="correct horse battery staple 7")  # fmt: skip
        return issue_api_token(db, SYSTEM, user)


class EngineApp:
    """The app on ``any_engine_url``, with bearer clients per role."""

    def __init__(self, app: FastAPI, engine: Engine) -> None:
        self.app, self.engine, self.count = app, engine, 0

    def api(self, role: str) -> TestClient:
        self.count += 1
        client = TestClient(self.app)
        client.headers["Authorization"] = f"Bearer {token_for(self.engine, role, f'u{self.count}')}"
        return client
