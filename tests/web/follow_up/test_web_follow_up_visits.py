"""/cases/{pk}/follow-up and /api/cases/{pk}/follow-up: record a visit, chart it beside the trials.

EX-01: procedure 2026-11-28; NRS baseline 8 (pain on 2026-11-19, the last on or before
the procedure); no ODI recorded. A visit on 2026-12-28 is 30 days after, inside the
"1 month" window (target 2026-12-28 +/- 14 days). Trial figures at 1 month
(clinical-reference.md §5.2): EVOLVE NRS -5.4 and ODI -30.5 from 63.4; VERTOS II
conservative arm NRS -2.7. Drawn for this patient: NRS 8 - 5.4 = 2.6 and 8 - 2.7 = 5.3;
ODI (no baseline of the patient's) at EVOLVE's own mean 63.4 - 30.5 = 32.9.
"""

from __future__ import annotations

import html as html_text
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kypho.casefile import load_case
from kypho.config import Settings
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import CaseVersion
from web.web_clock import set_clinic_now

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
EX01 = EXAMPLES / "01-acute-l1-worsening-candidate.json"
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2027, 1, 5)  # 38 days after EX-01's procedure date (2026-11-28)
PATIENT_NAME = "Ingrid Testperson"


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="test-secret-" + "x" * 32,
        clinic_time_zone="Europe/Berlin",
    )


@pytest.fixture
def clock(web_app) -> Callable[[datetime], None]:  # noqa: ANN001
    """Set the clinic's 'now' (default: 08:00 on TODAY in Berlin)."""

    def set_now(moment: datetime) -> None:
        set_clinic_now(web_app, moment)

    set_now(datetime(TODAY.year, TODAY.month, TODAY.day, 8, 0, tzinfo=BERLIN))
    return set_now


@pytest.fixture
def ex01_pk(web_engine: Engine) -> int:
    case = load_case(EX01, max_bytes=2_000_000)
    with transaction(session_factory(web_engine)) as db:
        stored = create_case(
            db, SYSTEM, patient=PatientDetails(mrn="MRN-0001", name=PATIENT_NAME), case=case
        )
        return stored.row.id


@pytest.fixture
def staff(users, clock) -> dict[str, object]:  # noqa: ANN001, ARG001
    """API clients of a coordinator, a radiologist and a read-only user."""
    return {
        "coordinator": users.api("coordinator"),
    }


@pytest.fixture
def coordinator(staff: dict[str, object]) -> TestClient:
    client = staff["coordinator"]
    assert isinstance(client, TestClient)
    return client


VISIT = {
    "date": "2026-12-28",
    "nrs": "3",
    "odi_pct": "30",
    "rdq": "8",
    "bed_days_per_month": "2",
    "analgesic_use": "non_opioid",
    "osteoporosis_treatment": "antiresorptive",
    "complications": "cement leak, asymptomatic\n",
    "fracture_level_1": "L2",
    "fracture_date_1": "2026-12-20",
    "fracture_level_2": "T12",
    "expected_version": "1",
}


def _versions(engine: Engine, pk: int) -> list[CaseVersion]:
    with transaction(session_factory(engine)) as db:
        query = select(CaseVersion).where(CaseVersion.case_id == pk).order_by(CaseVersion.version)
        return list(db.scalars(query))


def _beside(html: str, field: str) -> str:
    found = re.search(rf'<span id="{field}-error" class="field-error" role="alert">([^<]*)<', html)
    assert found, f"no message beside {field}"
    return html_text.unescape(found[1])


def test_a_visit_is_stored_as_a_new_version_with_every_field(
    coordinator, ex01_pk, web_engine
) -> None:  # noqa: ANN001
    answer = coordinator.post(f"/cases/{ex01_pk}/follow-up", data=VISIT, follow_redirects=False)

    assert answer.status_code == 303, answer.text
    first, second = _versions(web_engine, ex01_pk)
    assert "follow_up" not in json.loads(first.document)
    assert json.loads(second.document)["follow_up"] == [
        {
            "date": "2026-12-28",
            "nrs": 3,
            "odi_pct": 30,
            "rdq": 8,
            "new_fractures": ["L2", "T12"],
            "complications": ["cement leak, asymptomatic"],
            "new_fracture_events": [{"level": "L2", "date": "2026-12-20"}],
            "bed_days_per_month": 2,
            "analgesic_use": "non_opioid",
            "osteoporosis_treatment": "antiresorptive",
        }
    ]


def test_the_chart_and_table_show_the_trial_points_and_the_alerts(coordinator, ex01_pk) -> None:  # noqa: ANN001
    coordinator.post(f"/cases/{ex01_pk}/follow-up", data=VISIT)
    page = coordinator.get(f"/cases/{ex01_pk}/follow-up").text

    assert page.count("<svg") == 2
    assert 'data-trial="EVOLVE at 1 month: 2.6"' in page
    assert 'data-trial="VERTOS II conservative arm at 1 month: 5.3"' in page
    assert 'data-trial="EVOLVE at 1 month: 32.9"' in page
    assert "<title>2026-12-28: 3</title>" in page and "<title>baseline 8</title>" in page
    assert "EVOLVE 5.4 at 1 month; VERTOS II conservative arm 2.7 at 1 month" in page  # the table
    alerts = page.split('id="alerts-h"')[1].split("</section>")[0]
    assert "L2" in alerts and "cement leak" in alerts


@pytest.mark.parametrize(("nrs", "ok"), [("0", True), ("10", True), ("-1", False), ("11", False)])
def test_nrs_bounds_both_sides(coordinator, ex01_pk, web_engine, nrs: str, ok: bool) -> None:  # noqa: ANN001
    answer = coordinator.post(
        f"/cases/{ex01_pk}/follow-up", data={**VISIT, "nrs": nrs}, follow_redirects=False
    )
    if ok:
        assert answer.status_code == 303
        return
    assert answer.status_code == 422
    assert _beside(answer.text, "nrs") == f"expected a number from 0 to 10, got {nrs}"
    assert f'name="nrs" inputmode="decimal" value="{nrs}"' in answer.text
    assert 'value="2026-12-20"' in answer.text  # everything typed is kept
    assert [v.version for v in _versions(web_engine, ex01_pk)] == [1]


@pytest.mark.parametrize(
    ("fields", "where", "expected"),
    [
        ({"date": "2027-01-06"}, "date", "expected a date on or before today (2027-01-05)"),
        (
            {"date": "2026-11-28", "fracture_date_1": ""},
            "date",
            "expected a date after the procedure",
        ),
        ({"fracture_date_1": "2026-12-29"}, "fracture_date_1", "the visit's date 2026-12-28"),
        ({"bed_days_per_month": "32"}, "bed_days_per_month", "0 to 31 days, got 32"),
        ({"odi_pct": "abc"}, "odi_pct", "expected a number"),
        ({"fracture_level_1": ""}, "fracture_level_1", "expected a vertebral level"),
    ],
)
def test_bad_fields_get_their_message_beside_them_and_nothing_is_stored(
    coordinator,
    ex01_pk,
    web_engine,
    fields: dict[str, str],
    where: str,
    expected: str,  # noqa: ANN001
) -> None:
    answer = coordinator.post(f"/cases/{ex01_pk}/follow-up", data={**VISIT, **fields})
    assert answer.status_code == 422
    assert expected in _beside(answer.text, where)
    assert [v.version for v in _versions(web_engine, ex01_pk)] == [1]


def test_a_stale_version_is_a_conflict_and_nothing_is_stored(
    coordinator, ex01_pk, web_engine
) -> None:  # noqa: ANN001
    assert coordinator.post(f"/cases/{ex01_pk}/follow-up", data=VISIT).status_code == 200
    again = coordinator.post(f"/cases/{ex01_pk}/follow-up", data={**VISIT, "date": "2027-01-04"})
    assert again.status_code == 409
    assert "based on version 1, but version 2 was saved since" in again.text
    assert [v.version for v in _versions(web_engine, ex01_pk)] == [1, 2]


def test_roles_radiologist_and_read_only_view_but_do_not_record(
    users, staff, ex01_pk, web_engine
) -> None:  # noqa: ANN001
    for role in ("radiologist", "read_only"):
        client = users.api(role)
        page = client.get(f"/cases/{ex01_pk}/follow-up")
        assert page.status_code == 200 and "Record a visit" not in page.text
        assert client.post(f"/cases/{ex01_pk}/follow-up", data=VISIT).status_code == 403
        assert (
            client.post(
                f"/api/cases/{ex01_pk}/follow-up",
                json={"visit": {"date": "2026-12-28"}, "expected_version": 1},
            ).status_code
            == 403
        )
    assert [v.version for v in _versions(web_engine, ex01_pk)] == [1]


def test_the_api_records_and_reads_visits_and_outcomes(coordinator, ex01_pk) -> None:  # noqa: ANN001
    visit = {
        "date": "2026-12-28",
        "nrs": 3,
        "new_fractures": ["L2"],
        "new_fracture_events": [{"level": "L2", "date": "2026-12-20"}],
        "analgesic_use": "opioid",
    }
    made = coordinator.post(
        f"/api/cases/{ex01_pk}/follow-up", json={"visit": visit, "expected_version": 1}
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"id": ex01_pk, "version": 2, "index": 0, "visit_date": "2026-12-28"}

    read = coordinator.get(f"/api/cases/{ex01_pk}/follow-up").json()
    assert read["visits"] == [visit]
    (outcome,) = read["outcomes"]["visits"]
    assert outcome["time_point"]["label"] == "1 month" and outcome["days_after"] == 30
    assert [a["kind"] for a in read["outcomes"]["alerts"]] == ["new_fracture"]


def test_the_api_refuses_bad_input_naming_the_field_and_a_stale_version(
    coordinator, ex01_pk
) -> None:  # noqa: ANN001
    bad = coordinator.post(
        f"/api/cases/{ex01_pk}/follow-up",
        json={"visit": {"date": "2026-12-28", "nrs": 11}, "expected_version": 1},
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "nrs"
    assert bad.json()["found"] == "11"
    stale = coordinator.post(
        f"/api/cases/{ex01_pk}/follow-up",
        json={"visit": {"date": "2026-12-28"}, "expected_version": 5},
    )
    assert stale.status_code == 409


def test_without_a_procedure_date_the_page_says_why_there_are_no_outcomes(
    coordinator,
    web_engine,  # noqa: ANN001
) -> None:
    from kypho.casefile import load_case
    from kypho.store.audit import SYSTEM
    from kypho.store.cases import PatientDetails, create_case

    examples = Path(__file__).resolve().parents[3] / "examples" / "cases"
    case = load_case(examples / "05-new-referral-radiograph-only.json", max_bytes=2_000_000)
    with transaction(session_factory(web_engine)) as db:
        pk = create_case(db, SYSTEM, patient=PatientDetails(mrn="M5", name="A B"), case=case).row.id
    page = coordinator.get(f"/cases/{pk}/follow-up").text
    assert "no procedure date yet" in page


@pytest.mark.parametrize("sent", ["", "x", "0", "9" * 5000])
def test_a_visit_without_a_version_number_is_422_in_kyphos_words(
    coordinator, ex01_pk, web_engine, sent: str
) -> None:  # noqa: ANN001
    """Found by the form fuzz target: a blank version showed Python's "invalid literal
    for int()"; now the form says what it expected, keeps what was typed, stores nothing."""
    answer = coordinator.post(f"/cases/{ex01_pk}/follow-up",
                              data={**VISIT, "expected_version": sent})  # fmt: skip
    assert answer.status_code == 422
    text = html_text.unescape(answer.text)
    assert "expected the case version the form was opened at, got " in text
    assert "invalid literal" not in text and "int()" not in text
    assert "cement leak, asymptomatic" in text  # what was typed is kept
    assert len(_versions(web_engine, ex01_pk)) == 1
