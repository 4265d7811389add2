"""The consent form's words: plan, benefits, risks, the patient's risk factors, choices.

Written for about a 6th-8th grade reader; ``tests/documents`` measures it.
Names and identifiers are never printed: the clinic fills in the blank lines.
"""

from __future__ import annotations

from kypho.documents.types import PatientDocument, Section
from kypho.planning.risks import ALTERNATIVES, BENEFITS, OVERALL_COMPLICATION_RATE, RISKS
from kypho.planning.types import Anesthesia, FactorStatus, ProcedurePlan, RiskFactorStatus

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


def _plan_section(plan: ProcedurePlan) -> Section:
    levels = ", ".join(str(lp.level) for lp in plan.levels)
    n = len(plan.levels)
    what = f"We plan to treat {n} broken bone{'s' if n != 1 else ''} in your spine ({levels})."
    if plan.anesthesia.value == Anesthesia.GENERAL:
        sleep = "You will be asleep for it."
    else:
        sleep = "You will get numbing medicine and medicine to help you relax."
    stay = (
        "You may stay in the hospital for one night."
        if plan.overnight_stay.value == "expected"
        else "Most people go home the same day."
    )
    return Section(heading="What we plan to do", paragraphs=(
        what,
        "The doctor makes a small cut in your back on each side of the bone. A thin tube goes "
        "in. A small balloon opens a space in the bone. Then bone cement fills the space. The "
        "cement hardens and holds the bone in place.",
        f"It takes {duration_words(plan.duration_low_min, plan.duration_high_min)}. {sleep} "
        f"{stay}",
    ))  # fmt: skip


def _risk_lines() -> tuple[str, ...]:
    lines = []
    for risk in RISKS:
        how_often = "" if risk.rate is not None else " How often this happens is not known."
        lines.append(risk.plain + how_often)
    return tuple(lines)


def _factor_section(factors: tuple[RiskFactorStatus, ...]) -> Section:
    def plain(f: RiskFactorStatus) -> str:
        return PLAIN_FACTOR_NAMES.get(f.name, f.name)

    present = tuple(plain(f) for f in factors if f.status is FactorStatus.PRESENT)
    unknown = [plain(f) for f in factors if f.status is FactorStatus.NOT_RECORDED]
    paragraphs = ["Some things can make bones weaker or the procedure riskier."]
    if present:
        paragraphs.append("These apply to you:")
    else:
        paragraphs.append("None of them is known to apply to you so far.")
    if unknown:
        paragraphs.append("We do not have a record yet of: " + ", ".join(unknown).lower() + ".")
    return Section(heading="Your own risk factors", paragraphs=tuple(paragraphs), bullets=present)


def consent_document(plan: ProcedurePlan) -> PatientDocument:
    """The plain-language consent form for a plan (not for a refused plan)."""
    if plan.refused:
        raise RuntimeError("consent_document: the plan was refused; there is nothing to consent to")
    return PatientDocument(
        title="Consent for balloon kyphoplasty",
        intro="This form explains the treatment your doctor has offered for a broken bone in "
        "your spine. Please read it. Ask any questions you have before you sign.",
        sections=(
            _plan_section(plan),
            Section(heading="How it may help", bullets=tuple(b.plain for b in BENEFITS)),
            Section(heading="What could go wrong",
                    paragraphs=(OVERALL_COMPLICATION_RATE.plain,), bullets=_risk_lines()),
            _factor_section(plan.risk_factors),
            Section(heading="Other choices",
                    bullets=(*(a.plain for a in ALTERNATIVES),
                             "You can also wait and think it over. You can say no.")),
            Section(heading="Your choice", paragraphs=(
                "I have read this form, or someone read it to me. My questions were answered. "
                "I agree to have this treatment. I know I can change my mind before it starts.",
            )),
        ),
        blanks=("Patient name", "Patient signature and date", "Doctor name",
                "Doctor signature and date", "Witness signature and date"),
    )  # fmt: skip
