"""The consent form's risk figures in plain words, each with its numbered source.

Every figure is from clinical-reference.md §5.1 (complications) and §5.2 (trials).
Serious problems are kept apart from any problem: most cement leaks are seen only on
scans and cause no symptoms. New fractures are given as the trials found them:
neither VERTOS II nor KAVIAR showed that the procedure prevents new fractures. The
clinic page's "low complication rate (less than 1 percent)" (seed 003) is not used:
it does not say what it counts, and it contradicts the leak figures.
"""

from __future__ import annotations

from kypho.planning.sources import (
    SEED_PCI,
    URL_COHORT_372,
    URL_EMBOLISM,
    URL_FREE,
    URL_KAVIAR,
    URL_LEAK_DIRECT,
    URL_LEAK_META,
)

URL_VERTOS_II = "https://www.ajnr.org/content/31/8/1447.full.txt"

# Numbered sources, in the order the figures first cite them ("[1]" is SOURCES[0]).
SOURCES: tuple[str, ...] = (
    f"FREE trial (Wardlaw, Lancet 2009): serious adverse events. clinical-reference.md §5.1; "
    f"{URL_FREE}",
    f"Meta-analysis of cement leakage: 18.4 % after kyphoplasty. clinical-reference.md §5.1; "
    f"{URL_LEAK_META}",
    f"Direct comparisons, 1,025 procedures: leakage 28.9 % after kyphoplasty, none causing "
    f"nerve harm. clinical-reference.md §5.1; {URL_LEAK_DIRECT}",
    f"KAVIAR trial (AJNR 2014): leakage on CT 157/214 levels; device-related cement embolism "
    f"1/191; new fractures 54/110 vs 64/111 at 24 months (not significant). "
    f"clinical-reference.md §5.1 and §5.2; {URL_KAVIAR}",
    f"Chest CT after surgery: cement embolism 34/1,782 (1.9 %), preprint. "
    f"clinical-reference.md §5.1; {URL_EMBOLISM}",
    f"VERTOS II trial (Klazen, Lancet 2010; AJNR): new fractures 15/91 after vertebroplasty vs "
    f"21/85 with conservative care (not significant). clinical-reference.md §5.1; "
    f"{URL_VERTOS_II}",
    f"Cohort of 372 patients: 3 hematomas under the skin, 1 cardiac arrest. "
    f"clinical-reference.md §5.1; {URL_COHORT_372}",
    f"Clinic page {SEED_PCI}: serious adverse events, some fatal (heart attack, stroke, embolism).",
    "Infection rate: not found in our sources (clinical-reference.md §5.1, UNCONFIRMED).",
)

SERIOUS_VS_ANY = (
    "Serious problems are rare. In one large trial (FREE), 2 people who had this "
    "treatment had a serious problem from it: bleeding under the skin and a bladder "
    "infection. None was caused by the cement. [1]",
    "Small problems are more common. Scans often show a little cement that has leaked "
    "outside the bone. Two large reviews found this in 18 to 29 of every 100 people "
    "treated. [2] [3] Close CT scans in one trial found it in 157 of 214 treated bones. [4] "
    "Most of these leaks cause no symptoms.",
)

RISK_LINES: tuple[str, ...] = (
    "Rarely, leaked cement can press on a nerve or the spinal cord. In a review of 1,025 "
    "treatments, this did not happen once. [3] How often it happens is not known.",
    "A bit of cement can travel to the lungs. Chest scans found this in about 2 of every "
    "100 people (34 of 1,782), in a study not yet checked by other experts. [5] It seldom "
    "causes symptoms. In one trial it caused a problem in 1 of 191 people. [4]",
    "Weak bones can break again, with or without this treatment. In a trial called "
    "VERTOS II, a new spine break happened in 15 of 91 people who had cement put in and in "
    "21 of 85 who had usual care. That gap could be due to chance. [6] In a trial called "
    "KAVIAR, new breaks within 2 years were about as common after this treatment (54 of "
    "110) as after cement without a balloon (64 of 111). [4] These trials did not show that "
    "the treatment prevents new breaks.",
    "Bleeding or a bruise under the skin can happen. One study saw this in 3 of 372 people. [7]",
    "The medicine to numb you or put you to sleep has its own risks. Rarely, a heart "
    "attack, stroke or blood clot can happen, and these can be fatal. [8] In one study of "
    "372 people, 1 person's heart stopped during the treatment. [7]",
    "An infection can happen. How often it happens is not known. [9]",
)
