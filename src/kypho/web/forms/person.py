"""The patient's identity on a referral: name, MRN, birth date (PHI: the Patient row only).

These never go into the case file; the case file keeps only what its own model has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from kypho.domain.calendar_dates import calendar_date
from kypho.store.cases import PatientDetails, find_patient

NAME = "person.name"
MRN = "person.mrn"
BIRTH_DATE = "person.birth_date"
REFERRED_ON = "referred_on"
PERSON_FIELDS = (NAME, MRN, BIRTH_DATE, REFERRED_ON)
MAX_NAME_CHARS = 200  # the width of patients.name (kypho.store.models.cases)
MAX_MRN_CHARS = 64  # the width of patients.mrn


@dataclass
class Person:
    details: PatientDetails | None = None
    referred_on: date | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _text(values: Mapping[str, str], name: str, limit: int, errors: dict[str, str]) -> str:
    text = values.get(name, "").strip()
    if not text:
        errors[name] = "required: expected text, got nothing"
    elif len(text) > limit:
        errors[name] = f"expected at most {limit} characters, got {len(text)}"
    return text


def _date(values: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return calendar_date(text)
    except ValueError:
        pass
    errors[name] = f'expected a real calendar date written YYYY-MM-DD, got "{text}"'
    return None


def check_person(values: Mapping[str, str], *, today: date) -> Person:
    """The patient details typed on a referral or an import, or the errors beside them."""
    errors: dict[str, str] = {}
    name = _text(values, NAME, MAX_NAME_CHARS, errors)
    mrn = _text(values, MRN, MAX_MRN_CHARS, errors)
    birth_date = _date(values, BIRTH_DATE, errors)
    referred_on = _date(values, REFERRED_ON, errors)
    if birth_date and birth_date > today:
        errors[BIRTH_DATE] = f"expected a date on or before today ({today}), got {birth_date}"
    if errors:
        return Person(errors=errors)
    details = PatientDetails(mrn=mrn, name=name, birth_date=birth_date)
    return Person(details=details, referred_on=referred_on)


def same_person(details: PatientDetails, *, name: str, birth_date: date | None) -> bool:
    """Whether the typed details match a patient already on file under the same MRN."""
    same_name = " ".join(details.name.split()).casefold() == " ".join(name.split()).casefold()
    dates_agree = (
        details.birth_date is None or birth_date is None or details.birth_date == birth_date
    )
    return same_name and dates_agree


def mrn_clash(db: Session, person: Person) -> str | None:
    """A message if the MRN is on file for someone the typed details do not match.

    ``create_case`` files a referral under the patient found by MRN; a typing slip in
    the MRN would file it under someone else.
    """
    if person.details is None:
        return None
    known = find_patient(db, person.details.mrn)
    if known is None:
        return None
    if same_person(person.details, name=known.name, birth_date=known.birth_date):
        return None
    return (
        "this MRN is on file for a patient whose name or date of birth differs from what "
        "is typed; check the MRN, or type the name and date of birth as on file"
    )
