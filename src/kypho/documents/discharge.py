"""The discharge instructions' words: the recovery timeline in plain language, with dates.

Written for about a 6th-8th grade reader; ``tests/documents`` measures it.
"""

from __future__ import annotations

from datetime import date, datetime

from kypho.documents.types import PatientDocument, Section
from kypho.pathway.types import RecoveryPathway, StepKind, TimelineItem

FIRST_DAY_KEYS = ("observation", "driver", "lie-flat", "rest", "ice")
LATER_KEYS = ("pain-relief", "activity", "exercises", "no-lifting")


def when(moment: datetime) -> str:
    """'Tue 10 Mar, 10:45'."""
    return moment.strftime("%a %d %b, %H:%M")


def day(moment: date) -> str:
    """'Tue 24 Mar 2026'."""
    return moment.strftime("%a %d %b %Y")


def _line(item: TimelineItem) -> str:
    if item.ends_at is not None and item.ends_at.date() == item.starts_at.date():
        span = f"{when(item.starts_at)} to {item.ends_at:%H:%M}"
    elif item.ends_at is not None:
        span = f"{day(item.starts_at.date())} to {day(item.ends_at.date())}"
    else:
        span = f"From {when(item.starts_at)}"
    return f"{span}: {item.plain}"


def discharge_document(pathway: RecoveryPathway) -> PatientDocument:
    """Plain-language discharge instructions built from the recovery pathway."""
    items = {i.key: i for i in pathway.timeline}
    warnings = [i.plain for i in pathway.timeline if i.kind is StepKind.WARNING]
    first, *later = pathway.visits
    visits = [f"First visit: between {day(first.earliest)} and {day(first.latest)}."]
    visits += [f"Visit at {v.label.split(' at ')[-1]}: near {day(v.target)}." for v in later]
    return PatientDocument(
        title="Going home after balloon kyphoplasty",
        intro="These steps help you heal well. Keep this paper and follow it. The times start "
        f"when your treatment ended, at {when(pathway.procedure_end)}.",
        sections=(
            Section(heading="The first day",
                    bullets=tuple(_line(items[k]) for k in FIRST_DAY_KEYS)),
            Section(heading="The next days and weeks",
                    bullets=tuple(_line(items[k]) for k in LATER_KEYS)),
            Section(heading="Get help right away", paragraphs=tuple(warnings)),
            Section(heading="Your visits", paragraphs=(
                "Please call us to book these visits. We will check your pain and how you move.",
            ), bullets=tuple(visits)),
            Section(heading="Keep your bones strong", bullets=(
                "Ask us about a bone density test.",
                "Join a bone health program. We can help you find one.",
                "Medicine for weak bones can help stop new breaks.",
                "If you smoke, try to stop. Smoking slows healing.",
            )),
        ),
        blanks=("Patient name", "Clinic phone number", "Nurse signature and date"),
    )  # fmt: skip
