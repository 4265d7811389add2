"""Ids and versions in JSON bodies out of the database's range are 422 naming the field.

Found after the form fuzz target's id overflow (issue 15): an ``expected_version`` of 41
digits on ``PUT /api/cases/{id}`` reached the UPDATE and was an HTTP 500 on both engines
(SQLite OverflowError, PostgreSQL "integer out of range"). The limit is PostgreSQL's
integer, 2**31 - 1; the audit page number and filters are bounded too.
"""

from __future__ import annotations

import pytest
from kypho_cases_support import EngineApp, body, example

LARGEST = 2_147_483_647
EXAMPLE = "05-new-referral-radiograph-only"


@pytest.mark.parametrize("version", [10**40, LARGEST, 0, -1])
def test_an_expected_version_out_of_range_is_422_naming_it(
    engine_app: EngineApp, version: int
) -> None:
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(EXAMPLE)).json()["id"]
    change = {"case": example(EXAMPLE), "expected_version": version}
    answer = coordinator.put(f"/api/cases/{pk}", json=change)
    assert answer.status_code == 422, answer.text
    assert "expected_version" in answer.text
    assert coordinator.get(f"/api/cases/{pk}").json()["version"] == 1  # nothing stored


def test_the_largest_version_is_a_conflict_not_an_error(engine_app: EngineApp) -> None:
    # one below the column's limit, so that the version saved after it would still fit
    coordinator = engine_app.api("coordinator")
    pk = coordinator.post("/api/cases", json=body(EXAMPLE)).json()["id"]
    change = {"case": example(EXAMPLE), "expected_version": LARGEST - 1}
    assert coordinator.put(f"/api/cases/{pk}", json=change).status_code == 409


@pytest.mark.parametrize("query", [f"page={10**30}", f"case_id={10**30}", "page=0"])
def test_the_audit_api_with_huge_numbers_is_not_an_error(engine_app: EngineApp, query: str) -> None:
    admin = engine_app.api("administrator")
    assert admin.get(f"/api/audit?{query}").status_code < 500
