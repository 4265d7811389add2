"""Consent and discharge: content, reading level, HTML and PDF parsed back."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from kypho.documents import (
    ClinicContact,
    consent_document,
    discharge_document,
    render_html,
    render_pdf,
)
from kypho.planning.types import (
    ContraindicationClass,
    Discharge,
    FactorStatus,
    ScreenItem,
)

CLINIC = ClinicContact(name="Example Spine Clinic", phone="555-0100")

MAX_FK_GRADE = 8.9  # 6th-8th grade target; asserted <= 8.x
MIN_BODY_PT = 12.0  # issue 9 item 4: body text at least 12 pt
INTERNAL_VALUES = ("local_with_sedation", "not_recorded", "office_suite", "needs_attention",
                   "needs_review", "not_candidate", "same_day_office")  # fmt: skip


def _pdf(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def _pdf_font_sizes(data: bytes) -> set[float]:
    sizes = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        content = page.get_contents()
        assert content is not None
        sizes |= {float(s) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", content.get_data())}
    return sizes


def _sections(doc) -> dict[str, object]:
    return {s.heading: s for s in doc.sections}


def _all_docs(plan, plan07, pathway, pathway07):
    return (
        consent_document(plan, clinic=CLINIC),
        consent_document(plan07, clinic=CLINIC),
        discharge_document(pathway, reference=plan.case_id, clinic=CLINIC),
        discharge_document(pathway07, reference=plan07.case_id, clinic=CLINIC),
    )


# -- consent: figures, sources, safety, override ------------------------------------


def test_consent_separates_serious_from_any_complication(plan) -> None:
    doc = consent_document(plan, clinic=CLINIC)
    risks = _sections(doc)["What could go wrong"]
    serious, common = risks.paragraphs
    assert serious.startswith("Serious problems are rare.")
    assert "None was caused by the cement. [1]" in serious
    assert common.startswith("Small problems are more common.")
    assert "18 to 29 of every 100 people treated. [2] [3]" in common
    assert "157 of 214" in common  # KAVIAR CT, clinical-reference §5.1
    for marketing in ("less than 1 in 100", "1 percent", "low rate of problems"):
        assert marketing not in doc.prose  # the clinic page's unqualified line is gone
    assert doc.prose.count("How often it happens is not known.") == 2  # nerve harm, infection


def test_consent_new_fractures_as_the_trials_found_them(plan) -> None:
    prose = consent_document(plan, clinic=CLINIC).prose
    assert "15 of 91 people who had cement put in and in 21 of 85 who had usual care" in prose
    assert "(54 of 110) as after cement without a balloon (64 of 111)" in prose
    assert "These trials did not show that the treatment prevents new breaks." in prose
    assert "22 in 100" not in prose  # no "halves the risk" reading of the meta-analysis


def test_every_figure_cites_a_listed_source(plan) -> None:
    doc = consent_document(plan, clinic=CLINIC)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", doc.prose)}
    assert cited == set(range(1, len(doc.sources) + 1))  # each source used, none missing
    for source in doc.sources:
        assert "clinical-reference.md §5" in source or "001_ed546894017ef93a.txt" in source


def test_consent_follows_the_plan_ex01_office(plan) -> None:
    what = " ".join(
        _sections(consent_document(plan, clinic=CLINIC))["What we plan to do"].paragraphs
    )
    assert "1 broken bone in your spine (L1)" in what
    assert "numbing medicine" in what
    assert "Staff will watch you for 15 to 30 minutes. Then you can go home the same day." in what


def test_consent_follows_the_plan_ex07_overnight(plan07) -> None:
    what = " ".join(
        _sections(consent_document(plan07, clinic=CLINIC))["What we plan to do"].paragraphs
    )
    assert "4 broken bones in your spine (T11, T12, L1, L2)" in what
    assert "You will be asleep for it." in what
    assert "stay in the hospital for one night" in what
    assert "15 to 30 minutes" not in what


def test_consent_names_contraindications_found(plan07) -> None:
    checked = _sections(consent_document(plan07, clinic=CLINIC))["Things your doctor checked"]
    assert checked.bullets == (
        "Treating more than 3 bones at one time, which raises the chance of cement reaching "
        "the lungs",
    )
    assert "Please talk about each one before you sign:" in checked.paragraphs[-1]


def test_consent_asks_about_what_is_not_recorded(plan) -> None:
    unknown = ScreenItem(
        name="Myelopathy",
        status=FactorStatus.NOT_RECORDED,
        contraindication_class=ContraindicationClass.RELATIVE,
        detail="not recorded",
        citations=(),
        field="contraindications.myelopathy",
    )
    doc = consent_document(replace(plan, safety=(unknown,)), clinic=CLINIC)
    checked = _sections(doc)["Things your doctor checked"]
    assert checked.bullets == ()
    assert (
        "We do not have a record yet of whether you have: pressure on the spinal cord."
        in (checked.paragraphs[1])
    )
    assert checked.paragraphs[-1] == "None of the things checked was found so far."


def test_consent_after_override_says_despite_what_and_why(plan09) -> None:
    doc = consent_document(plan09, clinic=CLINIC)
    why = _sections(doc)["Why your doctor chose to go ahead"]
    assert f"\u201c{plan09.override_reason}\u201d" in why.paragraphs[1]
    assert plan09.override_reason.startswith("discitis treated and cleared")
    assert why.paragraphs[1].startswith("Your doctor (Dr A. Example) chose to go ahead anyway.")
    # In the patient's words, once: the screen's plain name, not the criterion's jargon.
    assert why.bullets == ("An infection in a disc of the spine",)
    assert "observed" not in doc.prose and "threshold" not in doc.prose
    assert "not_candidate" not in doc.prose


def test_consent_without_override_has_no_override_section(plan07) -> None:
    assert plan07.override_reason is None and not plan07.refused
    assert "Why your doctor chose to go ahead" not in _sections(
        consent_document(plan07, clinic=CLINIC)
    )


@pytest.mark.parametrize(
    ("discharge", "words"),
    [
        (Discharge.SAME_DAY_AFTER_RECOVERY, "rest in the recovery area for about 2 to 4 hours"),
        (Discharge.INPATIENT, "Afterwards you will go back to your hospital room."),
    ],
)
def test_consent_stay_follows_the_discharge(plan, discharge, words) -> None:
    observation = replace(plan.observation, discharge=discharge, low_min=120, high_min=240)
    doc = consent_document(replace(plan, observation=observation), clinic=CLINIC)
    assert words in " ".join(_sections(doc)["What we plan to do"].paragraphs)


def test_override_without_named_doctor_or_listed_reasons(plan) -> None:
    overridden = replace(plan, override_reason="patient's wish", overridden_by=None)
    doc = consent_document(overridden, clinic=CLINIC)
    why = _sections(doc)["Why your doctor chose to go ahead"]
    assert why.paragraphs[1].startswith("Your doctor chose to go ahead anyway.")
    assert why.bullets == ("The usual rules for this treatment were not all met.",)


def test_no_override_section_without_override(plan) -> None:
    assert "Why your doctor chose to go ahead" not in _sections(
        consent_document(plan, clinic=CLINIC)
    )


def test_refused_plan_has_no_consent(plan) -> None:
    with pytest.raises(RuntimeError, match="refused"):
        consent_document(replace(plan, refused=True, levels=()), clinic=CLINIC)


# -- discharge: follows the plan -----------------------------------------------------


def test_discharge_ex01_office_first_day(pathway) -> None:
    doc = discharge_document(pathway, reference="EX-01", clinic=CLINIC)
    first_day = _sections(doc)["The first day"].bullets
    assert first_day == (
        "Thu 26 Nov, 10:15 to 10:45: Our staff will watch you for 15 to 30 minutes before you "
        "leave.",
        "Thu 26 Nov, 10:45 to 11:45: At home, lie down on your back in bed for 1 hour.",
        "Thu 26 Nov, 11:45 to 15:45: Then rest in bed for about 4 more hours. You do not have "
        "to stay on your back.",
    )
    driving = _sections(doc)["Driving"].bullets
    assert (
        driving[0]
        == "From Thu 26 Nov, 10:45: A driver must take you home. You cannot drive yourself."
    )


def test_discharge_ex07_overnight_never_says_the_office_line(pathway07) -> None:
    doc = discharge_document(pathway07, reference="EX-07", clinic=CLINIC)
    assert "15 to 30 minutes" not in doc.prose
    assert "lie down on your back in bed for 1 hour" not in doc.prose
    first_day = _sections(doc)["The first day"].bullets
    assert first_day == (
        "Thu 26 Nov, 10:15 to 14:15: You will rest in the recovery area for about 2 to 4 hours. "
        "Then you will stay in the hospital for the night, and staff will keep checking on you.",
    )
    driving = _sections(doc)["Driving"].bullets
    assert driving[0].startswith("Fri 27 Nov 2026 (the care team will tell you the time): Most "
                                 "people go home the next day.")  # fmt: skip


def test_discharge_full_warning_wound_and_driving_advice(pathway) -> None:
    doc = discharge_document(pathway, reference="EX-01", clinic=CLINIC)
    prose = doc.prose
    for phrase in ("Call 911 for chest pain, trouble breathing, or signs of a stroke",
                   "new weakness, numbness or tingling", "bladder or bowels", "a fever or chills",
                   "pus or bleeding at the cuts", "pain or swelling in one leg",
                   "much worse back pain", "Do not shower, bathe or swim for 1 to 2 days",
                   "take the bandage off 1 to 2 days after", "head up on a pillow",
                   "Do not drive for at least 2 days", "opioids", "Do not lift more than 5 pounds",
                   "change position every 45 minutes", "roll onto your side",
                   "Start with 5 minutes"):  # fmt: skip
        assert phrase in prose, phrase


def test_discharge_visits_are_windows_to_book(pathway) -> None:
    visits = _sections(discharge_document(pathway, reference="EX-01", clinic=CLINIC))["Your visits"]
    assert visits.bullets[0] == (
        "First visit: book a day between Thu 10 Dec 2026 and Thu 24 Dec 2026. A good day: "
        "Thu 17 Dec 2026."
    )
    assert visits.bullets[1].startswith("Visit at 3 months: book a day between Fri 12 Feb 2027")


# -- clinic contact, reference, internal values, reading level -----------------------


def test_clinic_contact_is_never_a_blank_line(pathway) -> None:
    unset = discharge_document(pathway, reference="EX-01", clinic=ClinicContact(phone="  "))
    help_now = _sections(unset)["Get help right away"].paragraphs[-1]
    assert help_now == "Call the clinic that did your procedure. For an emergency, call 911."
    assert not any("phone" in b.lower() for b in unset.blanks)
    named = discharge_document(pathway, reference="EX-01", clinic=CLINIC)
    assert "Call Example Spine Clinic at 555-0100." in named.prose
    assert ClinicContact(phone="555-0100").call_line.startswith("Call your clinic at 555-0100.")
    assert ClinicContact(name="Clinic X").call_line.startswith(
        "Call Clinic X, the clinic that did your procedure."
    )


def test_no_internal_values_and_reference_only_on_page_furniture(
    plan, plan07, pathway, pathway07
) -> None:
    for doc in _all_docs(plan, plan07, pathway, pathway07):
        html = render_html(doc)
        for value in INTERNAL_VALUES:
            assert value not in doc.prose and value not in html, (doc.title, value)
        assert doc.reference not in doc.prose  # printed in the header, not the text
        assert f"Case ref: {doc.reference}</header>" in html


def test_reading_level(plan, plan07, pathway, pathway07, fk_grade) -> None:
    for doc in _all_docs(plan, plan07, pathway, pathway07):
        grade = fk_grade(doc.prose)
        assert grade <= MAX_FK_GRADE, (doc.title, doc.reference, grade)


# -- rendering -----------------------------------------------------------------------


def test_html_is_escaped_and_complete(plan07) -> None:
    hostile = "<script>alert(\"x\")</script> & 'Co'"
    plan = replace(plan07, case_id='EX-<b>"7"</b>&', override_reason=hostile)
    doc = consent_document(plan, clinic=ClinicContact(name=hostile, phone="555 & 0100"))
    html = render_html(doc)
    assert html.startswith("<!DOCTYPE html>")
    assert "<h1>Consent for balloon kyphoplasty</h1>" in html
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Co&#39;" in html
    assert "Case ref: EX-&lt;b&gt;&#34;7&#34;&lt;/b&gt;&amp;</header>" in html
    assert "555 &amp; 0100" in html
    # in the print CSS the reference is a CSS string with every symbol escaped
    assert 'content: "Case ref: " "EX\\2d \\3c b\\3e \\22 7\\22 \\3c \\2f b\\3e \\26 "' in html
    assert html.count('class="blank"') == 5
    assert html.count("<li>") >= len(doc.sources)


def test_html_print_standards(plan) -> None:
    html = render_html(consent_document(plan, clinic=CLINIC))
    sizes = [int(s) for s in re.findall(r"font-size: (\d+)pt", html)]
    assert sizes and min(sizes) >= MIN_BODY_PT
    assert re.search(r"h2 \{ font-size: (\d+)pt", html).group(1) == "14"
    assert 'content: "Page " counter(page) " of " counter(pages)' in html
    assert "@top-right" in html and "Example\\20 Spine\\20 Clinic" in html


@pytest.mark.parametrize("which", ["consent", "discharge"])
@pytest.mark.parametrize("example", ["01", "07"])
def test_pdf_parses_back_with_page_furniture(
    plan, plan07, pathway, pathway07, which, example
) -> None:
    chosen, chosen_pathway = (plan, pathway) if example == "01" else (plan07, pathway07)
    if which == "consent":
        doc = consent_document(chosen, clinic=CLINIC)
    else:
        doc = discharge_document(chosen_pathway, reference=chosen.case_id, clinic=CLINIC)
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    pages = _pdf(data)
    assert 1 <= len(pages) <= 5
    for number, text in enumerate(pages, start=1):
        assert f"Example Spine Clinic | {doc.title} | Case ref: EX-{example}" in text
        assert f"Case ref: EX-{example} | Page {number} of {len(pages)}" in text
    flat = " ".join(pages)
    assert "Your doctor decides with you." in flat
    assert "Patient name:" in flat
    for section in doc.sections:
        assert section.heading in flat
    sizes = _pdf_font_sizes(data)
    assert min(sizes) >= MIN_BODY_PT and 14.0 in sizes
