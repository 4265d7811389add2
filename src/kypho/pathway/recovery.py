"""The recovery timeline, as a table of steps timed from the end of the procedure.

How the patient leaves (``Discharge``, from the plan) decides the first hours: a short
watch in the office, hours in a recovery area, or a night in hospital. The home steps
that follow an office procedure (an hour lying down, four more hours of rest) are
shown only when the patient goes home the same day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kypho.pathway.types import RecoveryStep, StepKind, TimelineItem
from kypho.planning.sources import (
    SEED_ALLIANCE,
    SEED_BKP,
    SEED_BLUE,
    SEED_PCI,
    URL_AAPC,
    URL_BAYCARE,
    URL_EMBOLISM,
    URL_RECOVERY,
    convention,
    ref,
    seed,
)
from kypho.planning.types import Discharge
from kypho.rules.types import Citation

URL_GRADY = (
    "https://healthlibrary.gradyhealth.org/orthopedics/recovery/discharge-instructions-kyphoplasty"
    "?language_content_entity=en"
)
URL_KRAMES = "https://cartersvillemedicalkiosk.kramesonline.com/HealthInfoLetter/22,C,87"
URL_TRISTATE = "https://tristatebrainspine.com/for-patients/post-op-kyphoplasty"
URL_AFTERSPINE = "https://afterspinesurgery.myshopify.com/pages/kyphoplasty"

MIN_PER_HOUR = 60
MIN_PER_DAY = 24 * MIN_PER_HOUR
MIN_PER_WEEK = 7 * MIN_PER_DAY

FLAT_REST_MIN = 60  # seed 004: a full hour of supine bed rest once home
MORE_REST_MIN = 4 * MIN_PER_HOUR  # seed 004: another four hours of bed rest
PAIN_RELIEF_BY_MIN = 24 * MIN_PER_HOUR  # seed 004: relief within 24 hours
RESUME_ACTIVITY_AFTER_MIN = 48 * MIN_PER_HOUR  # seed 004: gradually resume after 48 hours
NO_DRIVING_MIN = 2 * MIN_PER_DAY  # clinical-reference.md §6 (BayCare): no driving for 2 days
KEEP_DRY_MIN = 2 * MIN_PER_DAY  # §6 (BayCare, Grady): no shower or soak for 1-2 days
BANDAGE_OFF_AFTER_MIN = 24 * MIN_PER_HOUR  # §6 (BayCare): remove bandages at 24-48 h
BANDAGE_OFF_SPAN_MIN = 24 * MIN_PER_HOUR
HEAD_RAISED_MIN = 2 * MIN_PER_DAY  # §6 (BayCare): head raised when lying for 1-2 days
OVERNIGHT_RELEASE_AFTER_MIN = MIN_PER_DAY  # seed 002: home "the day after" (day only)
LIFT_LIMIT_LB = 5.0  # seed 002: no lifting more than five pounds
LIFT_LIMIT_KG = 2.3  # 5 lb x 0.4536 kg/lb
RESTRICTION_WEEKS = 6  # seed 002: first four to six weeks (upper end, review at 4)
SITTING_CHANGE_MIN = 45  # §6 (Krames): change position every 45 minutes when sitting
WALK_START_MIN = 5  # §6 (BayCare): walk from 5 minutes, increasing
WARNING_SIGNS_WEEKS = 6  # project convention: the restriction span

_SEED_WARN = (seed(SEED_PCI, "heart attack, stroke, embolism; leak into the spinal canal"),
              seed(SEED_BLUE, "bleeding, infection, neurologic injury, blood clots"))  # fmt: skip


def _step(key: str, kind: StepKind, start: int, span: int | None, title: str, plain: str,
          cites: tuple[Citation, ...], *, day_only: bool = False) -> RecoveryStep:  # fmt: skip
    return RecoveryStep(key=key, kind=kind, start_after_min=start, duration_min=span, title=title,
                        plain=plain, citations=cites, day_only=day_only)  # fmt: skip


RECOVERY_STEPS: tuple[RecoveryStep, ...] = (
    _step("no-driving", StepKind.RESTRICTION, 0, NO_DRIVING_MIN,
          "No driving for 2 days, never on opioids",
          "Do not drive for at least 2 days. Never drive while you take strong pain medicine "
          "(opioids). Your doctor may ask you to wait longer.",
          (ref("6", URL_BAYCARE), ref("6", URL_TRISTATE), ref("6", URL_RECOVERY))),
    _step("keep-dry", StepKind.RESTRICTION, 0, KEEP_DRY_MIN, "No shower or soaking for 1-2 days",
          "Keep the bandage dry. Do not shower, bathe or swim for 1 to 2 days.",
          (ref("6", URL_BAYCARE), ref("6", URL_GRADY))),
    _step("head-raised", StepKind.CARE, 0, HEAD_RAISED_MIN, "Head raised when lying, 1-2 days",
          "For 1 to 2 days, keep your head up on a pillow when you lie down.",
          (ref("6", URL_BAYCARE),)),
    _step("bandage", StepKind.CARE, BANDAGE_OFF_AFTER_MIN, BANDAGE_OFF_SPAN_MIN,
          "Remove bandages at 24-48 h",
          "You can take the bandage off 1 to 2 days after the procedure. Keep the small cuts "
          "clean and dry.", (ref("6", URL_BAYCARE), ref("6", URL_GRADY))),
    _step("pain-relief", StepKind.EVENT, PAIN_RELIEF_BY_MIN, None,
          "Pain relief expected within 24 h",
          "Most people feel much less pain within 24 hours. Some soreness where the needle went "
          "in can last a few days.",
          (seed(SEED_ALLIANCE, "relief within 24 hours"), seed(SEED_PCI, "minor needle pain"))),
    _step("activity", StepKind.EVENT, RESUME_ACTIVITY_AFTER_MIN, None,
          "Gradual return to normal activity after 48 h; walking from 5 min",
          f"After 48 hours, slowly get back to your normal day. Walk every day. Start with "
          f"{WALK_START_MIN} minutes and add a little more each day.",
          (seed(SEED_ALLIANCE, "resume normal daily activities after 48 hours"),
           ref("6", URL_BAYCARE))),
    _step("exercises", StepKind.CARE, RESUME_ACTIVITY_AFTER_MIN, RESTRICTION_WEEKS * MIN_PER_WEEK,
          "Exercises: static glutes, ankle pumps, transversus abdominis and quadriceps setting",
          "Do the exercises your care team shows you: squeeze your buttocks, pump your ankles, "
          "tighten your belly, and tighten your thigh muscles.",
          (seed(SEED_ALLIANCE, "therapeutic exercises"),
           convention("start with activity at 48 h, per the care team"))),
    _step("no-lifting", StepKind.RESTRICTION, 0, RESTRICTION_WEEKS * MIN_PER_WEEK,
          f"No repetitive bending, twisting or lifting over {LIFT_LIMIT_LB:.0f} lb "
          f"({LIFT_LIMIT_KG} kg) for 4-6 weeks",
          f"For 4 to 6 weeks, do not bend or twist over and over. Do not lift more than "
          f"{LIFT_LIMIT_LB:.0f} pounds. That is about a bag of flour.",
          (seed(SEED_BLUE, "no lifting more than five pounds for 4-6 weeks"),
           ref("6", URL_KRAMES))),
    _step("moving-safely", StepKind.CARE, 0, RESTRICTION_WEEKS * MIN_PER_WEEK,
          "No bending at the waist, twisting, pushing, pulling or overhead lifting; change "
          f"position every {SITTING_CHANGE_MIN} min when sitting; log-roll; prevent falls",
          "Move with care. Do not bend at the waist. Do not push or pull hard. Do not lift "
          "things over your head until your first visit. When you sit, change position every "
          f"{SITTING_CHANGE_MIN} minutes. To get out of bed, roll onto your side first. Keep "
          "floors clear so you do not fall.",
          (ref("6", URL_KRAMES), ref("6", URL_AFTERSPINE))),
    _step("warning-911", StepKind.WARNING, 0, WARNING_SIGNS_WEEKS * MIN_PER_WEEK,
          "Emergency (911): chest pain, shortness of breath, signs of stroke",
          "Call 911 for chest pain, trouble breathing, or signs of a stroke, such as a "
          "drooping face, a weak arm or trouble speaking.",
          (ref("6", URL_BAYCARE), ref("5.1", URL_EMBOLISM), *_SEED_WARN,
           convention("warning span = restriction span"))),
    _step("warning-call", StepKind.WARNING, 0, WARNING_SIGNS_WEEKS * MIN_PER_WEEK,
          "Urgent call: new weakness or numbness, loss of bladder or bowel control, fever, "
          "wound redness, bleeding or drainage, leg swelling, new or worse back pain",
          "Call your clinic right away for any of these: new weakness, numbness or tingling "
          "in your legs or arms; you cannot control your bladder or bowels; a fever or chills; "
          "redness, swelling, pus or bleeding at the cuts; pain or swelling in one leg; new or "
          "much worse back pain.",
          (*_SEED_WARN, ref("6", URL_BAYCARE),
           convention("usual signs of infection, bleeding, a blood clot or a new fracture"))),
)  # fmt: skip


def span_words(low_min: int, high_min: int) -> str:
    """'15 to 30 minutes' or '2 to 4 hours'.

    >>> span_words(15, 30), span_words(120, 240), span_words(90, 180)
    ('15 to 30 minutes', '2 to 4 hours', '1.5 to 3 hours')
    """
    if high_min < 2 * MIN_PER_HOUR:
        return f"{low_min} to {high_min} minutes"
    return f"{low_min / MIN_PER_HOUR:g} to {high_min / MIN_PER_HOUR:g} hours"


def _observation(discharge: Discharge, low_min: int, high_min: int) -> RecoveryStep:
    span = span_words(low_min, high_min)
    if discharge is Discharge.SAME_DAY_OFFICE:
        title, plain = (f"Observation {low_min}-{high_min} min before release",
                        f"Our staff will watch you for {span} before you leave.")  # fmt: skip
        cites: tuple[Citation, ...] = (seed(SEED_ALLIANCE, "observe you for 15-30 minutes"),)
    elif discharge is Discharge.SAME_DAY_AFTER_RECOVERY:
        title = f"Recovery-area observation {low_min}-{high_min} min, then home the same day"
        plain = (
            f"You will rest in the recovery area for about {span} while the medicine "
            "wears off. Staff will check on you. Then you can go home the same day."
        )
        cites = (ref("6", URL_AAPC), ref("6", URL_RECOVERY))
    elif discharge is Discharge.OVERNIGHT:
        title = f"Recovery-area observation {low_min}-{high_min} min, then a night in hospital"
        plain = (f"You will rest in the recovery area for about {span}. Then you will stay in "
                 "the hospital for the night, and staff will keep checking on you.")  # fmt: skip
        cites = (ref("6", URL_RECOVERY), seed(SEED_BLUE, "home the same day or the day after"),
                 seed(SEED_BKP, "may require an overnight hospital stay"))  # fmt: skip
    else:
        title = f"Observation {low_min}-{high_min} min, then back to the ward"
        plain = (f"Staff will watch you for about {span}. Then you will go back to your "
                 "hospital room. Your care team will tell you when you can go home. Someone "
                 "else must drive you home.")  # fmt: skip
        cites = (ref("6", URL_RECOVERY), convention("inpatient: discharge by the ward team"))
    return _step("observation", StepKind.CARE, 0, high_min, title, plain, cites)


def _driver(discharge: Discharge, high_min: int) -> RecoveryStep | None:
    cites = (seed(SEED_ALLIANCE, "required to have a driver"), ref("6", URL_RECOVERY))
    if discharge is Discharge.OVERNIGHT:
        return _step("driver", StepKind.EVENT, OVERNIGHT_RELEASE_AFTER_MIN, None,
                     "Home the next day (time set by the ward); driver required",
                     "Most people go home the next day. The care team will tell you when. A "
                     "driver must take you home.",
                     (*cites, seed(SEED_BLUE, "the day after")), day_only=True)  # fmt: skip
    if discharge is Discharge.INPATIENT:
        return None  # the ward decides the day; the observation step says who drives
    return _step("driver", StepKind.EVENT, high_min, None, "Driver takes the patient home",
                 "A driver must take you home. You cannot drive yourself.", cites)  # fmt: skip


def _first_hours_at_home(discharge: Discharge, high_min: int) -> tuple[RecoveryStep, ...]:
    """Seed 004's rest at home after a same-day procedure; a hospital stay replaces it."""
    same_day = discharge in (Discharge.SAME_DAY_OFFICE, Discharge.SAME_DAY_AFTER_RECOVERY)
    home = high_min if same_day else 0
    ice = _step("ice", StepKind.CARE, home, RESUME_ACTIVITY_AFTER_MIN,
                "Ice for soreness (20 min on/off)",
                "Use an ice pack for soreness or swelling, 20 minutes on, then 20 minutes off.",
                (seed(SEED_ALLIANCE, "ice packs"), ref("6", URL_BAYCARE)))  # fmt: skip
    if not same_day:
        return (ice,)
    flat = _step("lie-flat", StepKind.CARE, home, FLAT_REST_MIN, "1 hour lying flat once home",
                 "At home, lie down on your back in bed for 1 hour.",
                 (seed(SEED_ALLIANCE, "a full hour of supine bed rest"),))  # fmt: skip
    rest = _step("rest", StepKind.CARE, home + FLAT_REST_MIN, MORE_REST_MIN,
                 "About 4 more hours of rest",
                 "Then rest in bed for about 4 more hours. You do not have to stay on your back.",
                 (seed(SEED_ALLIANCE, "another four hours bed rest"),))  # fmt: skip
    return (flat, rest, ice)


def recovery_steps(
    discharge: Discharge, *, observation_low_min: int, observation_high_min: int
) -> tuple[RecoveryStep, ...]:
    """Every step for a patient who leaves by ``discharge``, observed for the minutes given."""
    driver = _driver(discharge, observation_high_min)
    return (
        _observation(discharge, observation_low_min, observation_high_min),
        *(() if driver is None else (driver,)),
        *_first_hours_at_home(discharge, observation_high_min),
        *RECOVERY_STEPS,
    )


def recovery_timeline(
    procedure_end: datetime,
    *,
    discharge: Discharge,
    observation_low_min: int,
    observation_high_min: int,
) -> tuple[TimelineItem, ...]:
    """Place every recovery step on the clock, from the end of the procedure.

    >>> items = recovery_timeline(datetime(2026, 3, 2, 10, 0),
    ...     discharge=Discharge.SAME_DAY_OFFICE, observation_low_min=15, observation_high_min=30)
    >>> next(i for i in items if i.key == "lie-flat").starts_at.strftime("%H:%M")
    '10:30'
    """
    steps = recovery_steps(discharge, observation_low_min=observation_low_min,
                           observation_high_min=observation_high_min)  # fmt: skip
    items = []
    for step in steps:
        start = procedure_end + timedelta(minutes=step.start_after_min)
        end = None if step.duration_min is None else start + timedelta(minutes=step.duration_min)
        items.append(TimelineItem(key=step.key, kind=step.kind, starts_at=start, ends_at=end,
                                  title=step.title, plain=step.plain, citations=step.citations,
                                  day_only=step.day_only))  # fmt: skip
    return tuple(sorted(items, key=lambda i: i.starts_at))
