"""The discharge instructions' words: the recovery timeline in plain language, with dates.

Written for about a 6th-8th grade reader; ``tests/documents`` measures it. The first
hours follow the plan's discharge (a short watch, hours in recovery, a night in
hospital); the clinic's name and phone come from ``ClinicContact``, never a blank.
"""

from __future__ import annotations

from datetime import date, datetime

from kypho.documents.types import ClinicContact, PatientDocument, Section
from kypho.pathway.schedule import CT_DENSITY_PREFIX
from kypho.pathway.types import RecoveryPathway, StepKind, TimelineItem

WOUND_KEYS = ("keep-dry", "bandage", "head-raised", "ice")
DRIVING_KEYS = ("driver", "no-driving")
FIRST_DAY_KEYS = ("observation", "lie-flat", "rest")
LATER_KEYS = ("pain-relief", "activity", "exercises", "no-lifting", "moving-safely")


def when(moment: datetime) -> str:
    """'Tue 10 Mar, 10:45'."""
    return moment.strftime("%a %d %b, %H:%M")


def day(moment: date) -> str:
    """'Tue 24 Mar 2026'."""
    return moment.strftime("%a %d %b %Y")


def _line(item: TimelineItem) -> str:
    if item.day_only:
        span = f"{day(item.starts_at.date())} (the care team will tell you the time)"
    elif item.ends_at is not None and item.ends_at.date() == item.starts_at.date():
        span = f"{when(item.starts_at)} to {item.ends_at:%H:%M}"
    elif item.ends_at is not None:
        span = f"{day(item.starts_at.date())} to {day(item.ends_at.date())}"
    else:
        span = f"From {when(item.starts_at)}"
    return f"{span}: {item.plain}"


def _bullets(items: dict[str, TimelineItem], keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_line(items[k]) for k in keys if k in items)


def _visit_lines(pathway: RecoveryPathway) -> tuple[str, ...]:
    lines = []
    for v in pathway.visits:
        name = "First visit" if v is pathway.visits[0] else f"Visit at {v.label.split(' at ')[-1]}"
        lines.append(f"{name}: book a day between {day(v.earliest)} and {day(v.latest)}. "
                     f"A good day: {day(v.target)}.")  # fmt: skip
    return tuple(lines)


BONE_TEST = "Ask us about a bone density test."
# Said when the case's CT flagged low bone density (pathway.schedule.bone_density_referral):
# plain words, and not a diagnosis.
CT_BONE_TEST = (
    "Your CT scan hints that your bones may be thin. This is not a diagnosis. "
    "Ask us about a bone density test (a DXA scan) to check."
)


def _bone_test(pathway: RecoveryPathway) -> str:
    flagged = any(step.startswith(CT_DENSITY_PREFIX) for step in pathway.osteoporosis)
    return CT_BONE_TEST if flagged else BONE_TEST


def discharge_document(
    pathway: RecoveryPathway, *, reference: str, clinic: ClinicContact
) -> PatientDocument:
    """Plain-language discharge instructions built from the recovery pathway.

    Parameters
    ----------
    reference
        The case reference printed on every page (not in the text).
    clinic
        The clinic's name and phone (``Settings.clinic_name``/``clinic_phone``).
    """
    items = {i.key: i for i in pathway.timeline}
    warnings = tuple(i.plain for i in pathway.timeline if i.kind is StepKind.WARNING)
    return PatientDocument(
        title="Going home after balloon kyphoplasty",
        reference=reference,
        clinic=clinic,
        intro="These steps help you heal well. Keep this paper and follow it. The times start "
        f"when your treatment ended, at {when(pathway.procedure_end)}.",
        sections=(
            Section(heading="Get help right away", paragraphs=(*warnings, clinic.call_line)),
            Section(heading="The first day", bullets=_bullets(items, FIRST_DAY_KEYS)),
            Section(heading="Driving", bullets=_bullets(items, DRIVING_KEYS)),
            Section(heading="Caring for the small cuts", bullets=_bullets(items, WOUND_KEYS)),
            Section(heading="The next days and weeks", bullets=_bullets(items, LATER_KEYS)),
            Section(heading="Your visits", paragraphs=(
                "Please call us to book these visits. We will check your pain and how you move. "
                + clinic.call_line,
            ), bullets=_visit_lines(pathway)),
            Section(heading="Keep your bones strong", bullets=(
                _bone_test(pathway),
                "Join a bone health program. We can help you find one.",
                "Medicine for weak bones can help stop new breaks.",
                "If you smoke, try to stop. Smoking slows healing.",
            )),
        ),
        blanks=("Patient name", "Nurse signature and date"),
    )  # fmt: skip
