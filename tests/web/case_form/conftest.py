"""Fixtures of the case-form tests: a coordinator's client and a patient's details."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PERSON = {"person.name": "Ada Example", "person.mrn": "MRN-0001", "person.birth_date": "1947-03-02"}


@pytest.fixture
def coordinator(users) -> TestClient:
    """A coordinator's client (bearer token: no CSRF needed)."""
    client: TestClient = users.api("coordinator")
    return client


@pytest.fixture
def person() -> dict[str, str]:
    return dict(PERSON)
