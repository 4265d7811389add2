"""Logs carry case ids, never a patient's name, MRN or birth date (STYLE 9; issue 10).

A small journey runs through the app in-process with every logger at DEBUG: a referral
over the API, reads, a search by MRN, a patient correction refused for want of its
``expected_version`` (422) and one made with it, a save, a stale save (409), a bad save
(422), and the pages of the case. Then no log record, message or arguments or traceback, may
contain the patient's name, MRN or birth date. The test client's own loggers (``httpx``,
``httpcore``: the requests this test sends, on the client side) are left out; the
SQL logger (off unless an operator turns it on) is checked on its own, turned on.
"""

from __future__ import annotations

import logging

from web.browser.kypho_case_bodies import case_body

NAME = "Zebulon Quartermaine-Phi"  # made up
MRN = "MRN-PHI-93817"
BIRTH_DATE = "1941-07-23"
PHI = (NAME, MRN, BIRTH_DATE, "Quartermaine")
CLIENT_SIDE = ("httpx", "httpx2", "httpcore")  # the test's own HTTP client
SQL_LOGGERS = ("sqlalchemy",)


def _journey(api) -> int:  # noqa: ANN001
    body = case_body(1, prefix="LOG", name=NAME, mrn=MRN, birth_date=BIRTH_DATE)
    created = api.post("/api/cases", json=body)
    assert created.status_code == 201, created.text
    pk: int = created.json()["id"]
    assert api.get(f"/api/cases/{pk}").status_code == 200
    assert api.get("/api/cases", params={"q": MRN}).status_code == 200
    found = api.get("/api/patients", params={"mrn": MRN})
    assert found.status_code == 200
    patient_id, version = found.json()["id"], found.json()["version"]
    correction = {"name": f"{NAME} Jr", "mrn": MRN, "birth_date": BIRTH_DATE}
    assert api.put(f"/api/patients/{patient_id}", json=correction).status_code == 422
    fixed = api.put(f"/api/patients/{patient_id}", json={**correction, "expected_version": version})
    assert fixed.status_code == 200, fixed.text
    update = {"case": body["case"], "expected_version": 1, "note": "seen in clinic"}
    assert api.put(f"/api/cases/{pk}", json=update).status_code == 200
    assert api.put(f"/api/cases/{pk}", json=update).status_code == 409
    bad = {**update, "expected_version": 2, "case": {**body["case"], "pain": [{"score": 11}]}}
    assert api.put(f"/api/cases/{pk}", json=bad).status_code == 422
    for page in (f"/cases/{pk}/edit", f"/cases/{pk}/export.json", f"/cases/{pk}", "/"):
        assert api.get(page).status_code < 500, page
    return pk


def _text_of(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def _leaks(records: list[logging.LogRecord], *, loggers: tuple[str, ...] | None) -> list[str]:
    found = []
    for record in records:
        top = record.name.split(".")[0]
        if top in CLIENT_SIDE or (loggers is not None and top not in loggers):
            continue
        if loggers is None and top in SQL_LOGGERS:
            continue
        words = _text_of(record)
        found += [f"{record.name}: {w!r} in {words[:200]!r}" for w in PHI if w in words]
    return found


def test_app_logs_carry_no_name_mrn_or_birth_date(users, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    pk = _journey(users.api("coordinator"))
    assert caplog.records or pk, "the journey ran"
    assert _leaks(caplog.records, loggers=None) == []


def test_sql_logs_carry_no_name_mrn_or_birth_date(users, caplog) -> None:  # noqa: ANN001
    # SQLAlchemy keeps its loggers at WARNING unless told otherwise; an operator chasing a
    # slow query turns them up, and then bound parameters must still not be written.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    _journey(users.api("coordinator"))
    assert _leaks(caplog.records, loggers=SQL_LOGGERS) == []
