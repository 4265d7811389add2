"""Seeding an empty clinic database: the first administrator, the examples, two rooms.

Expected values come from the example files themselves (read here with ``json``), not
from the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select

from kypho.casefile import parse_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, create_case
from kypho.store.engine import session_factory, transaction
from kypho.store.models import AuditEvent, Case, Patient, Room, User
from kypho.store.seed import EXAMPLES_DIR, seed, seed_examples
from kypho.web.security.passwords import verify_password

EXAMPLES_FOLDER = Path(__file__).resolve().parents[3] / "examples" / "cases"
EXAMPLES = sorted(EXAMPLES_FOLDER.glob("*.json"))
AS_OF = date(2026, 11, 21)  # scripts/demo's date, the examples' own


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_examples_folder_is_the_bundled_one() -> None:
    assert EXAMPLES_DIR == EXAMPLES_FOLDER
    assert len(EXAMPLES) == 15


def test_first_seed_makes_admin_examples_and_rooms(web_engine: Engine) -> None:
    with transaction(session_factory(web_engine)) as db:
        report = seed(db)
    assert (report.cases_added, report.rooms_added) == (15, 2)
    assert report.admin_password is not None and len(report.admin_password) >= 20
    with transaction(session_factory(web_engine)) as db:
        (admin,) = db.scalars(select(User)).all()
        assert (admin.username, admin.role, admin.must_change_password) == (
            "admin", "administrator", True
        )  # fmt: skip
        assert verify_password(admin.password_hash, report.admin_password)
        assert report.admin_password not in admin.password_hash
        rooms = db.scalars(select(Room.name).order_by(Room.name)).all()
        assert rooms == ["Procedure room 1", "Procedure room 2"]
        rows = db.execute(select(Case.case_ref, Patient.mrn, Patient.name, Patient.birth_date)
                          .join(Patient).order_by(Patient.mrn)).all()  # fmt: skip
    assert len(rows) == len(EXAMPLES)
    for number, (path, row) in enumerate(zip(EXAMPLES, rows, strict=True), start=1):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert row.case_ref == data["case_id"]
        assert row.mrn == f"EX-{number:04d}"
        assert row.name == f"Example Patient {number:02d}"
        assert _age_on(row.birth_date, AS_OF) == data["patient"]["age_years"]


def test_seeded_cases_are_audited_as_system(web_engine: Engine) -> None:
    with transaction(session_factory(web_engine)) as db:
        seed(db)
    with transaction(session_factory(web_engine)) as db:
        creates = db.execute(select(AuditEvent.record_type, func.count())
                             .where(AuditEvent.action == "create", AuditEvent.username == "system")
                             .group_by(AuditEvent.record_type)).all()  # fmt: skip
    assert dict(creates) == {"case": 15, "patient": 15, "user": 1}


def test_second_seed_adds_nothing(web_engine: Engine) -> None:
    with transaction(session_factory(web_engine)) as db:
        seed(db)
    with transaction(session_factory(web_engine)) as db:
        again = seed(db)
        counts = [db.scalar(select(func.count()).select_from(m)) for m in (User, Case, Room)]
    assert (again.admin_password, again.cases_added, again.rooms_added) == (None, 0, 0)
    assert counts == [1, 15, 2]


def test_examples_are_not_added_beside_a_clinic_s_own_case(web_engine: Engine) -> None:
    own = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    with transaction(session_factory(web_engine)) as db:
        create_case(db, SYSTEM, patient=PatientDetails(mrn="CLINIC-1", name="A Patient"),
                    case=parse_case(json.dumps(own)))  # fmt: skip
    with transaction(session_factory(web_engine)) as db:
        assert seed_examples(db) == 0
        assert db.scalar(select(func.count()).select_from(Case)) == 1


def test_a_missing_examples_folder_seeds_no_cases(web_engine: Engine, tmp_path: Path) -> None:
    with transaction(session_factory(web_engine)) as db:
        report = seed(db, examples_dir=tmp_path / "not-there")
    assert (report.cases_added, report.rooms_added) == (0, 2)
    assert report.admin_password is not None
