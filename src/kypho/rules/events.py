"""Whether a case records a clinical event after a date, cheaply (no messages built).

``Case.check_not_after`` names the offending field, which costs a string per event;
a batch asks this first and calls it only when the answer is yes. The dates read here
are those of ``Case.dated_events`` (a test holds the two to the same dates).
"""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case


def event_dates(case: Case) -> list[date | None]:
    """Every date ``Case.dated_events`` reports (and the unknown ones, as None)."""
    days: list[date | None] = [case.patient.birth_date]
    days += [f.symptom_onset_date for f in case.fractures or ()]
    days += [s.study_date for s in case.imaging or ()]
    days += [p.assessed_on for p in case.pain or ()]
    days += [s.assessed_on for s in case.function or ()]
    days += [t.start_date for t in case.conservative_care or ()]
    for visit in case.follow_up or ():
        days.append(visit.visit_date)
        days += [e.diagnosed_on for e in visit.new_fracture_events or ()]
    return days


def has_event_after(case: Case, on: date) -> bool:
    """True when some dated event (or the birth date) lies after ``on``.

    Plain loops, each stopping at the first late date: this runs for every case of a batch.
    """
    born = case.patient.birth_date
    if born is not None and born > on:
        return True
    for f in case.fractures or ():
        if f.symptom_onset_date is not None and f.symptom_onset_date > on:
            return True
    for s in case.imaging or ():
        if s.study_date is not None and s.study_date > on:
            return True
    return _care_after(case, on)


def _care_after(case: Case, on: date) -> bool:
    """``has_event_after`` for pain, function, conservative care and follow-up."""
    for p in case.pain or ():
        if p.assessed_on is not None and p.assessed_on > on:
            return True
    for score in case.function or ():
        if score.assessed_on is not None and score.assessed_on > on:
            return True
    for t in case.conservative_care or ():
        if t.start_date is not None and t.start_date > on:
            return True
    return bool(case.follow_up) and any(day is not None and day > on for day in event_dates(case))
