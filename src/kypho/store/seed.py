"""First start of an empty clinic database: an administrator, the example cases, two rooms.

Each part is seeded once: only while its table is empty, so a second start adds nothing.

- The first administrator is ``admin`` with a one-time random password (returned once,
  never stored in clear, never baked into code) that must be changed at first sign-in.
- The bundled example cases (``examples/cases/*.json``; development only: a production
  worklist holds real patients only) are stored with SYNTHETIC patient
  details: "Example Patient 01", MRN "EX-0001", a birth date that gives the case file's
  ``age_years`` on the examples' assessment date. The audit actor is ``SYSTEM``.
- Two procedure rooms, so that procedures can be booked at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kypho.casefile import load_case
from kypho.store.audit import SYSTEM
from kypho.store.cases import PatientDetails, count_cases, create_case
from kypho.store.models import Room, User
from kypho.store.people import create_user
from kypho.web.security.password_rules import one_time_password
from kypho.web.security.roles import Role

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples" / "cases"  # in a checkout
# The date the examples are written for (scripts/demo assesses them on it); a synthetic
# birth date on 1 July gives the case file's age_years on this day.
EXAMPLES_AS_OF = date(2026, 11, 21)
ADMIN_USERNAME = "admin"
ROOM_NAMES = ("Procedure room 1", "Procedure room 2")


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    """What was seeded now; ``admin_password`` is the only copy of that password."""

    admin_password: str | None
    cases_added: int
    rooms_added: int


def _count(db: Session, model: type[User] | type[Room]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def synthetic_patient(number: int, *, age_years: int | None) -> PatientDetails:
    """Made-up details for example ``number`` (1-based).

    >>> synthetic_patient(1, age_years=79)
    PatientDetails(mrn='EX-0001', name='Example Patient 01', birth_date=datetime.date(1947, 7, 1))
    """
    born = None if age_years is None else date(EXAMPLES_AS_OF.year - age_years, 7, 1)
    return PatientDetails(mrn=f"EX-{number:04d}", name=f"Example Patient {number:02d}",
                          birth_date=born)  # fmt: skip


def seed_admin(db: Session) -> str | None:
    """The first administrator's one-time password, or None when users exist."""
    if _count(db, User):
        return None
    password = one_time_password()
    create_user(db, SYSTEM, username=ADMIN_USERNAME, display_name="Administrator",
                role=Role.ADMINISTRATOR, password=password, must_change_password=True)  # fmt: skip
    return password


def seed_examples(db: Session, folder: Path = EXAMPLES_DIR) -> int:
    """Store every example case of ``folder``, when no case exists; how many were added."""
    if count_cases(db) or not folder.is_dir():
        return 0
    paths = sorted(folder.glob("*.json"))
    for number, path in enumerate(paths, start=1):
        case = load_case(path)
        patient = synthetic_patient(number, age_years=case.patient.age_years)
        create_case(db, SYSTEM, patient=patient, case=case, note="example case")
    return len(paths)


def seed_rooms(db: Session) -> int:
    if _count(db, Room):
        return 0
    db.add_all(Room(name=name) for name in ROOM_NAMES)
    db.flush()
    return len(ROOM_NAMES)


def seed(db: Session, *, examples: bool = True, examples_dir: Path = EXAMPLES_DIR) -> SeedReport:
    """Seed whatever is still empty, in the caller's transaction (``examples``: the cases too)."""
    return SeedReport(
        admin_password=seed_admin(db),
        cases_added=seed_examples(db, examples_dir) if examples else 0,
        rooms_added=seed_rooms(db),
    )
