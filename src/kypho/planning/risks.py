"""The procedure's risks (with published rates), benefits and alternatives, as data.

Each entry has a clinician wording and a plain-language wording for the consent form.
Where clinical-reference.md marks a rate UNCONFIRMED, ``rate`` is ``None`` and
documents say "rate not established in our sources".
"""

from __future__ import annotations

from dataclasses import dataclass

from kypho.planning.sources import (
    SEED_BKP,
    SEED_BLUE,
    SEED_COLORADO,
    SEED_PCI,
    URL_COHORT_372,
    URL_EMBOLISM,
    URL_FREE,
    URL_KAVIAR,
    URL_LEAK_DIRECT,
    URL_LEAK_META,
    URL_PAPANASTASSIOU,
    URL_VERTOS_II_FRACTURES,
    ref,
    seed,
)
from kypho.rules.types import Citation

RATE_NOT_ESTABLISHED = "rate not established in our sources"


@dataclass(frozen=True, slots=True, kw_only=True)
class Risk:
    name: str
    rate: str | None  # clinician wording of the published figure; None = not established
    plain: str  # what the patient reads
    citations: tuple[Citation, ...]

    @property
    def rate_text(self) -> str:
        return self.rate if self.rate is not None else RATE_NOT_ESTABLISHED


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """A benefit or an alternative treatment, with its source."""

    name: str
    plain: str
    citations: tuple[Citation, ...]


RISKS: tuple[Risk, ...] = (
    Risk(name="Cement leakage (seen on imaging, mostly without symptoms)",
         rate="18.4 % kyphoplasty vs 54.7 % vertebroplasty (meta-analysis); 28.9 % in direct "
              "comparisons (1,025 procedures)",
         plain="Some cement leaks out of the bone in about 18 to 29 of every 100 treated. "
               "Most leaks cause no problems.",
         citations=(ref("5.1", URL_LEAK_META), ref("5.1", URL_LEAK_DIRECT))),
    Risk(name="Symptomatic cement leakage (nerve or spinal cord)", rate=None,
         plain="Rarely, leaked cement can press on a nerve or the spinal cord. In one review of "
               "1,025 treatments, none did.",
         citations=(ref("5.1", URL_LEAK_DIRECT), seed(SEED_PCI, "leak into the spinal canal"))),
    Risk(name="Cement embolism (cement reaching the lungs)",
         rate="1.9 % on post-operative chest CT (34/1,782, preprint); device-related 1/191 in "
              "KAVIAR",
         plain="A bit of cement can travel to the lungs. Scans find this in about 2 of every "
               "100 people. It seldom causes symptoms.",
         citations=(ref("5.1", URL_EMBOLISM), ref("5.1", URL_KAVIAR), seed(SEED_PCI, "embolism"))),
    Risk(name="New (adjacent) vertebral fractures",
         rate="not shown to change: KAVIAR 54/110 (kyphoplasty) vs 64/111 (vertebroplasty) at "
              "24 months; VERTOS II 15/91 (vertebroplasty) vs 21/85 (conservative care), both "
              "not significant; a meta-analysis reports 11 % vs 22 %",
         plain="Weak bones can break again. The trials did not show that the procedure "
               "prevents new spine breaks.",
         citations=(ref("5.1", URL_KAVIAR), ref("5.1", URL_VERTOS_II_FRACTURES),
                    ref("5.1", URL_PAPANASTASSIOU))),
    Risk(name="Bleeding (hematoma)",
         rate="3 subcutaneous hematomas among 372 patients (one cohort)",
         plain="Bleeding or a bruise under the skin can happen. One study saw 3 in 372 people.",
         citations=(ref("5.1", URL_COHORT_372), seed(SEED_BLUE, "bleeding"))),
    Risk(name="Infection", rate=None,
         plain="An infection can happen.",
         citations=(ref("5.1", "infection rate UNCONFIRMED"), seed(SEED_BLUE, "infection"))),
    Risk(name="Neurologic injury", rate=None,
         plain="Nerve harm is rare. In the worst case it can cause weakness or paralysis.",
         citations=(ref("5.1", URL_LEAK_DIRECT), seed(SEED_BLUE, "neurologic injury"),
                    seed(SEED_PCI, "could cause paralysis"))),
    Risk(name="Anesthesia and serious heart or lung events", rate=None,
         plain="The numbing and sleep medicine carry their own risks. Rarely, heart attack, "
               "stroke or a blood clot can happen, and these can be fatal.",
         citations=(seed(SEED_BLUE, "risk of anesthesia, blood clots"),
                    seed(SEED_PCI, "heart attack, cardiac arrest, stroke, embolism"),
                    ref("5.1", URL_COHORT_372))),
)  # fmt: skip

BENEFITS: tuple[Option, ...] = (
    Option(name="Correction of vertebral body deformity", plain="It can help fix the shape "
           "of the broken bone.", citations=(seed(SEED_BKP), seed(SEED_COLORADO))),
    Option(name="Significant reduction in back pain", plain="Back pain often gets much "
           "better, often within a day.", citations=(seed(SEED_BKP), seed(SEED_COLORADO))),
    Option(name="Improvement in quality of life", plain="Daily life can get better.",
           citations=(seed(SEED_BKP),)),
    Option(name="Increased mobility and daily activities", plain="You may move more easily "
           "and do more each day.", citations=(seed(SEED_BKP),)),
    Option(name="Fewer days in bed each month", plain="You may spend fewer days in bed.",
           citations=(seed(SEED_BKP),)),
    Option(name="No bracing required", plain="You should not need a brace.",
           citations=(seed(SEED_COLORADO),)),
)  # fmt: skip

ALTERNATIVES: tuple[Option, ...] = (
    Option(name="Conservative care (pain medicine, bracing, physical therapy)",
           plain="Keep using pain medicine, a brace and therapy. Pain drops less on average: "
                 "about 2 points on a 0 to 10 scale, against about 5 with kyphoplasty.",
           citations=(seed(SEED_BLUE, "two to six weeks of conservative treatment"),
                      ref("5.2", URL_PAPANASTASSIOU), ref("5.2", URL_FREE))),
    Option(name="Vertebroplasty (cement without a balloon)",
           plain="Cement is put in without a balloon. Pain relief is about the same, but "
                 "cement leaks more often. Some trials found it no better than a fake procedure.",
           citations=(ref("5.2", URL_KAVIAR), ref("5.1", URL_LEAK_META),
                      ref("5.2", "VERTOS IV, INVEST [L34106-text]"))),
)  # fmt: skip
