"""The consent form's words: plan, safety findings, benefits, risks, risk factors, choices.

Written for about a 6th-8th grade reader; ``tests/documents`` measures it. Names are
never printed: the clinic fills in the blank lines. The case reference is printed on
every page (header), not in the text. Risk figures and their sources are in
``consent_risks``.
"""

from __future__ import annotations

from kypho.documents.consent_risks import RISK_LINES, SERIOUS_VS_ANY, SOURCES
from kypho.documents.safety_words import found, not_known, plain_screen_name
from kypho.documents.types import ClinicContact, Figure, PatientDocument, Section
from kypho.documents.words import humanize
from kypho.pathway.recovery import span_words
from kypho.planning.risks import ALTERNATIVES, BENEFITS
from kypho.planning.types import (
    Anesthesia,
    ContraindicationClass,
    Discharge,
    FactorStatus,
    ProcedurePlan,
    RiskFactorStatus,
)

# Plain words for each risk factor name in kypho.planning.risk_factors.
PLAIN_FACTOR_NAMES = {
    "Female over 70": "Being a woman over 70",
    "Weight under 125 lb": "Weighing less than 125 pounds",
    "Cigarette smoking": "Smoking",
    "Lack of physical activity": "Not getting much exercise",
    "Chronic steroid use": "Taking steroid pills for a long time",
    "Chronic alcohol use": "Drinking a lot of alcohol over time",
    "Prior fragility fracture (FRAX)": "A past broken bone from a small fall",
    "Parental hip fracture (FRAX)": "A parent who broke a hip",
    "Rheumatoid arthritis (FRAX)": "Rheumatoid arthritis",
    "Secondary osteoporosis (FRAX)": "Another illness that makes bones weak",
    "More than one vertebral fracture": "More than one broken bone in the spine",
    "Blood thinners (anticoagulants)": "Taking blood thinners",
}


def duration_words(low_min: int, high_min: int) -> str:
    """'about 30 to 60 minutes' or 'about 1 to 2 hours'.

    >>> duration_words(90, 180)
    'about 1.5 to 3 hours'
    """
    if high_min <= 60:
        return f"about {low_min} to {high_min} minutes"
    return f"about {low_min / 60:g} to {high_min / 60:g} hours"


def _stay_words(plan: ProcedurePlan) -> str:
    obs = plan.observation
    span = span_words(obs.low_min, obs.high_min)
    if obs.discharge is Discharge.SAME_DAY_OFFICE:
        return f"Staff will watch you for {span}. Then you can go home the same day."
    if obs.discharge is Discharge.SAME_DAY_AFTER_RECOVERY:
        return f"You will rest in the recovery area for about {span}. Then you can go home."
    if obs.discharge is Discharge.OVERNIGHT:
        return "You will most likely stay in the hospital for one night."
    return "Afterwards you will go back to your hospital room."


def _plan_section(plan: ProcedurePlan) -> Section:
    levels = ", ".join(str(lp.level) for lp in plan.levels)
    n = len(plan.levels)
    what = f"We plan to treat {n} broken bone{'s' if n != 1 else ''} in your spine ({levels})."
    if plan.anesthesia.value == Anesthesia.GENERAL:
        sleep = "You will be asleep for it."
    else:
        sleep = "You will get numbing medicine and medicine to help you relax."
    return Section(heading="What we plan to do", paragraphs=(
        what,
        "The doctor makes a small cut in your back on each side of the bone. A thin tube goes "
        "in. A small balloon opens a space in the bone. Then bone cement fills the space. The "
        "cement hardens and holds the bone in place.",
        f"It takes {duration_words(plan.duration_low_min, plan.duration_high_min)}. {sleep} "
        f"{_stay_words(plan)}",
    ))  # fmt: skip


def _safety_section(plan: ProcedurePlan) -> Section:
    """What the doctor found that matters for safety, and what is not known yet."""
    present, unknown = found(plan.safety), not_known(plan.safety)
    paragraphs = ["Before this treatment, your doctor checks for things that can make it "
                  "unsafe."]  # fmt: skip
    if unknown:
        paragraphs.append(
            "We do not have a record yet of whether you have: "
            + "; ".join(u[0].lower() + u[1:] for u in unknown)
            + ". Please tell us."
        )
    if present:
        paragraphs.append("Your doctor found these. Please talk about each one before you sign:")
    else:
        paragraphs.append("None of the things checked was found so far.")
    return Section(
        heading="Things your doctor checked", paragraphs=tuple(paragraphs), bullets=present
    )


DECISION_LINE = "decision under policy"  # the plan's header reason; the items follow it


# How a refusal reason of the plan reads to a patient (the clinician's details dropped);
# contraindications come from the safety screen in plain words instead.
_PLAIN_PREFIXES = (
    ("not met: ", "A usual rule is not met: "),
    ("unknown: ", "Not yet known: "),
    ("missing: ", "Still to be found out: "),
)


def _plain_reason(reason: str) -> str | None:
    """A refusal reason in words for the patient, or None when the screen already says it."""
    if reason.startswith(DECISION_LINE) or "contraindication: " in reason:
        return None
    level, _, rest = reason.partition(": ") if reason[:1] in "CTLS" else ("", "", reason)
    if not rest or not any(rest.startswith(p) for p, _ in _PLAIN_PREFIXES):
        level, rest = "", reason
    text = rest.split(" (observed:")[0]
    for prefix, words in _PLAIN_PREFIXES:
        if text.startswith(prefix):
            text = words + text.removeprefix(prefix)
            break
    text = humanize(text)
    return f"{text} (at {level})" if level else text


def _override_section(plan: ProcedurePlan) -> Section | None:
    """After an override: that the doctor chose to go ahead despite what, and why."""
    if plan.override_reason is None:
        return None
    absolute = tuple(plain_screen_name(i) for i in plan.safety if i.status is FactorStatus.PRESENT
                     and i.contraindication_class is ContraindicationClass.ABSOLUTE)  # fmt: skip
    rules = tuple(dict.fromkeys(
        p for p in (_plain_reason(r) for r in plan.refusal_reasons) if p is not None
    ))  # fmt: skip
    despite = (*absolute, *rules) or ("The usual rules for this treatment were not all met.",)
    who = f"Your doctor ({plan.overridden_by})" if plan.overridden_by else "Your doctor"
    return Section(heading="Why your doctor chose to go ahead", paragraphs=(
        "Most of the time, this treatment would not be done in your case, because of the "
        "reasons below.",
        f"{who} chose to go ahead anyway. The reason your doctor gave: "
        f"\u201c{plan.override_reason}\u201d",
        "Please ask your doctor about this before you sign.",
    ), bullets=tuple(despite))  # fmt: skip


def _risk_section() -> Section:
    return Section(heading="What could go wrong", paragraphs=SERIOUS_VS_ANY, bullets=RISK_LINES)


def _factor_section(factors: tuple[RiskFactorStatus, ...]) -> Section:
    def plain(f: RiskFactorStatus) -> str:
        return PLAIN_FACTOR_NAMES.get(f.name, f.name)

    present = tuple(plain(f) for f in factors if f.status is FactorStatus.PRESENT)
    unknown = [plain(f) for f in factors if f.status is FactorStatus.NOT_RECORDED]
    paragraphs = ["Some things can make bones weaker or the procedure riskier."]
    if unknown:
        paragraphs.append("We do not have a record yet of: " + ", ".join(unknown).lower() + ".")
    if present:
        paragraphs.append("These apply to you:")
    else:
        paragraphs.append("None of them is known to apply to you so far.")
    return Section(heading="Your own risk factors", paragraphs=tuple(paragraphs), bullets=present)


def _figures_section(figures: tuple[Figure, ...]) -> Section:
    return Section(
        heading="The treatment, step by step",
        paragraphs=("These pictures show the planned treatment on a model of your spine.",),
        figures=figures,
    )


def consent_document(
    plan: ProcedurePlan, *, clinic: ClinicContact, figures: tuple[Figure, ...] = ()
) -> PatientDocument:
    """The plain-language consent form for a plan (not for a refused plan).

    Parameters
    ----------
    clinic
        The clinic's name and phone (``Settings.clinic_name``/``clinic_phone``); unset
        values are replaced by plain words, never a blank line.
    figures
        Pictures of the planned treatment (``kypho.workflows.educate``: one key frame per
        step, captioned), placed after what is planned; the text does not change.
    """
    if plan.refused:
        raise RuntimeError("consent_document: the plan was refused; there is nothing to consent to")
    override = _override_section(plan)
    return PatientDocument(
        title="Consent for balloon kyphoplasty",
        reference=plan.case_id,
        clinic=clinic,
        intro="This form explains the treatment your doctor has offered for a broken bone in "
        "your spine. Please read it. Ask any questions you have before you sign.",
        sections=(
            _plan_section(plan),
            *(() if not figures else (_figures_section(figures),)),
            *(() if override is None else (override,)),
            _safety_section(plan),
            Section(heading="How it may help", bullets=tuple(b.plain for b in BENEFITS)),
            _risk_section(),
            _factor_section(plan.risk_factors),
            Section(heading="Other choices",
                    bullets=(*(a.plain for a in ALTERNATIVES),
                             "You can also wait and think it over. You can say no.")),
            Section(heading="Questions", paragraphs=(
                "If you have questions before or after you sign, ask us. "
                + clinic.call_line,)),
            Section(heading="Your choice", paragraphs=(
                "I have read this form, or someone read it to me. My questions were answered. "
                "I agree to have this treatment. I know I can change my mind before it starts.",
            )),
        ),
        blanks=("Patient name", "Patient signature and date", "Doctor name",
                "Doctor signature and date", "Witness signature and date"),
        sources=SOURCES,
    )  # fmt: skip
