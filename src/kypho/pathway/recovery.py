"""The recovery timeline, as a table of steps timed from the end of the procedure."""

from __future__ import annotations

from datetime import datetime, timedelta

from kypho.pathway.types import RecoveryStep, StepKind, TimelineItem
from kypho.planning.sources import (
    SEED_ALLIANCE,
    SEED_BLUE,
    SEED_PCI,
    URL_BAYCARE,
    URL_RECOVERY,
    convention,
    ref,
    seed,
)

MIN_PER_HOUR = 60
MIN_PER_DAY = 24 * MIN_PER_HOUR
MIN_PER_WEEK = 7 * MIN_PER_DAY

OBSERVATION_HIGH_MIN = 30  # seed 004: observed 15-30 minutes before release
FLAT_REST_MIN = 60  # seed 004: a full hour of supine bed rest once home
MORE_REST_MIN = 4 * MIN_PER_HOUR  # seed 004: another four hours of bed rest
PAIN_RELIEF_BY_MIN = 24 * MIN_PER_HOUR  # seed 004: relief within 24 hours
RESUME_ACTIVITY_AFTER_MIN = 48 * MIN_PER_HOUR  # seed 004: gradually resume after 48 hours
LIFT_LIMIT_LB = 5.0  # seed 002: no lifting more than five pounds
LIFT_LIMIT_KG = 2.3  # 5 lb x 0.4536 kg/lb
RESTRICTION_WEEKS = 6  # seed 002: first four to six weeks (upper end, review at 4)
WARNING_SIGNS_WEEKS = 6  # project convention: the restriction span

RECOVERY_STEPS: tuple[RecoveryStep, ...] = (
    RecoveryStep(key="observation", kind=StepKind.CARE, start_after_min=0,
                 duration_min=OBSERVATION_HIGH_MIN, title="Observation 15-30 min before release",
                 plain="Our staff will watch you for 15 to 30 minutes before you leave.",
                 citations=(seed(SEED_ALLIANCE, "observe you for 15-30 minutes"),)),
    RecoveryStep(key="driver", kind=StepKind.EVENT, start_after_min=OBSERVATION_HIGH_MIN,
                 duration_min=None, title="Driver takes the patient home",
                 plain="A driver must take you home. Do not drive for 2 days.",
                 citations=(seed(SEED_ALLIANCE, "required to have a driver"),
                            ref("6", URL_RECOVERY), ref("6", URL_BAYCARE))),
    RecoveryStep(key="lie-flat", kind=StepKind.CARE, start_after_min=OBSERVATION_HIGH_MIN,
                 duration_min=FLAT_REST_MIN, title="1 hour lying flat once home",
                 plain="At home, lie flat on your back for 1 hour.",
                 citations=(seed(SEED_ALLIANCE, "a full hour of supine bed rest"),)),
    RecoveryStep(key="rest", kind=StepKind.CARE,
                 start_after_min=OBSERVATION_HIGH_MIN + FLAT_REST_MIN,
                 duration_min=MORE_REST_MIN, title="About 4 more hours of rest",
                 plain="Then rest in bed for about 4 more hours. You do not have to stay flat.",
                 citations=(seed(SEED_ALLIANCE, "another four hours bed rest"),)),
    RecoveryStep(key="ice", kind=StepKind.CARE, start_after_min=OBSERVATION_HIGH_MIN,
                 duration_min=RESUME_ACTIVITY_AFTER_MIN, title="Ice for soreness (20 min on/off)",
                 plain="Use an ice pack for soreness or swelling, 20 minutes on, 20 minutes off.",
                 citations=(seed(SEED_ALLIANCE, "ice packs"), ref("6", URL_BAYCARE))),
    RecoveryStep(key="pain-relief", kind=StepKind.EVENT, start_after_min=PAIN_RELIEF_BY_MIN,
                 duration_min=None, title="Pain relief expected within 24 h",
                 plain="Most people feel much less pain within 24 hours. Some soreness where "
                       "the needle went in can last a few days.",
                 citations=(seed(SEED_ALLIANCE, "relief within 24 hours"),
                            seed(SEED_PCI, "minor needle related pain"))),
    RecoveryStep(key="activity", kind=StepKind.EVENT, start_after_min=RESUME_ACTIVITY_AFTER_MIN,
                 duration_min=None, title="Gradual return to normal activity after 48 h",
                 plain="After 48 hours, slowly get back to your normal day. Walk a little more "
                       "each day.",
                 citations=(seed(SEED_ALLIANCE, "resume normal daily activities after 48 hours"),
                            ref("6", URL_BAYCARE))),
    RecoveryStep(key="exercises", kind=StepKind.CARE, start_after_min=RESUME_ACTIVITY_AFTER_MIN,
                 duration_min=RESTRICTION_WEEKS * MIN_PER_WEEK,
                 title="Exercises: static glutes, ankle pumps, transversus abdominis and "
                       "quadriceps setting",
                 plain="Do the exercises your care team shows you: squeeze your buttocks, pump "
                       "your ankles, tighten your belly, and tighten your thigh muscles.",
                 citations=(seed(SEED_ALLIANCE, "therapeutic exercises"),
                            convention("start with activity at 48 h, per the care team"))),
    RecoveryStep(key="no-lifting", kind=StepKind.RESTRICTION, start_after_min=0,
                 duration_min=RESTRICTION_WEEKS * MIN_PER_WEEK,
                 title=f"No repetitive bending, twisting or lifting over {LIFT_LIMIT_LB:.0f} lb "
                       f"({LIFT_LIMIT_KG} kg) for 4-6 weeks",
                 plain=f"For 4 to 6 weeks, do not bend or twist over and over. Do not lift more "
                       f"than {LIFT_LIMIT_LB:.0f} pounds. That is about a bag of flour.",
                 citations=(seed(SEED_BLUE, "no lifting more than five pounds for 4-6 weeks"),)),
    RecoveryStep(key="warning-signs", kind=StepKind.WARNING, start_after_min=0,
                 duration_min=WARNING_SIGNS_WEEKS * MIN_PER_WEEK,
                 title="Urgent call: chest pain or shortness of breath, new weakness or "
                       "numbness, fever, loss of bladder or bowel control",
                 plain="Call 911 for chest pain or trouble breathing. Call us right away for "
                       "new weakness or numbness, a fever, or if you cannot control your "
                       "bladder or bowels.",
                 citations=(ref("6", URL_BAYCARE), seed(SEED_PCI, "embolism; leak into the "
                            "spinal canal"), seed(SEED_BLUE, "infection, neurologic injury"),
                            convention("warning span = restriction span"))),
)  # fmt: skip


def recovery_timeline(procedure_end: datetime) -> tuple[TimelineItem, ...]:
    """Place every recovery step on the clock, from the end of the procedure.

    >>> items = recovery_timeline(datetime(2026, 3, 2, 10, 0))
    >>> next(i for i in items if i.key == "lie-flat").starts_at.strftime("%H:%M")
    '10:30'
    """
    items = []
    for step in RECOVERY_STEPS:
        start = procedure_end + timedelta(minutes=step.start_after_min)
        end = None if step.duration_min is None else start + timedelta(minutes=step.duration_min)
        items.append(
            TimelineItem(
                key=step.key,
                kind=step.kind,
                starts_at=start,
                ends_at=end,
                title=step.title,
                plain=step.plain,
                citations=step.citations,
            )
        )
    return tuple(sorted(items, key=lambda i: i.starts_at))  # fmt: skip
