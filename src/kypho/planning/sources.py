"""Where planning, pathway and document facts come from: one name per source.

Seed pages are the five clinic pages in ``/work/shared/seeds/``; reference
citations name a section of ``clinical-reference.md`` and the URL it gives.
"""

from __future__ import annotations

from kypho.rules.types import Citation

SEED_COLORADO = "000_bdd7da6e78ebfd05.txt"  # Back Pain and Spine Physicians in Colorado
SEED_PCI = "001_ed546894017ef93a.txt"  # clinic page: candidates, office suite, risks
SEED_BLUE = "002_22fbc0fc46b5b412.txt"  # Blue Distinction page: 30 min/level, 5 lb rule
SEED_BKP = "003_95608b827f138c7b.txt"  # benefits list, both sides, overnight stay
SEED_ALLIANCE = "004_243690246ebd197d.txt"  # risk factors, observation, bed rest, exercises

PROJECT_CONVENTION = "kypho project convention (needs clinical confirmation)"


def seed(name: str, detail: str = "") -> Citation:
    """Cite one of the five clinic pages by file name."""
    return Citation(source=name, detail=detail)


def ref(section: str, url: str) -> Citation:
    """Cite a section of the clinical reference with the URL it gives for the fact.

    >>> str(ref("4.2", "https://example.org"))
    'clinical-reference.md §4.2: https://example.org'
    """
    return Citation(source=f"clinical-reference.md §{section}", detail=url)


def convention(detail: str) -> Citation:
    """Mark a value as the project's own choice, pending clinical confirmation."""
    return Citation(source=PROJECT_CONVENTION, detail=detail)


L34106 = "[L34106-text] https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?LCDId=34106"
URL_FREE_VOLUME = "https://boneandjoint.org.uk/Article/10.1302/1358-992X.95BSUPP_17.SBPR2012-005"
URL_SWISSSPINE = "https://pmc.ncbi.nlm.nih.gov/articles/PMC3804705"
URL_LEAK_META = "https://pubmed.ncbi.nlm.nih.gov/28192270/?dopt=Abstract"
URL_UNI_BI = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6197445"
URL_KYPHON_PATIENT = "http://www.kyphon.com/us/Patient.aspx?contentid=16&siteid=1"
URL_IFU_XPANDER = "https://manualmachine.com/medtronic/k09a/26721615-instructions-for-use"
URL_IFU_XPANDER_II = "https://manualmachine.com/medtronic/kx103/26721670-instructions-for-use"
URL_CPT = "https://radiologybillingcoding.com/2017/02/cpt-22510-22514-vertibroplasty-and.html"
URL_KAVIAR = "https://www.ajnr.org/content/35/12/2227"
URL_VERTOS_II_FRACTURES = "https://www.ajnr.org/content/31/8/1447.full.txt"
URL_BKP_ABOUT = "http://balloonkyphoplasty.com/about-the-balloon-kyphoplasty-procedure.html"
URL_AAPC = (
    "https://aapc.com/codes/coding-newsletters/my-radiology-coding-alert/"
    "solidify-your-knowledge-of-vertebroplasty-coding-article"
)
URL_EMBOLISM = "https://www.researchsquare.com/article/rs-309630/v1.html"
URL_LEAK_DIRECT = "https://medluna.com/article/37999769"
URL_COHORT_372 = "https://pmc.ncbi.nlm.nih.gov/articles/PMC3395994"
URL_PAPANASTASSIOU = "https://pmc.ncbi.nlm.nih.gov/articles/PMC3459114"
URL_EVOLVE = (
    "https://www.cns.org/meetings/archived-abstracts-detail/"
    "congress-of-neurological-surgeons-2017-annual-meeting-22958"
)
URL_FREE = "https://www.springerpflege.de/link?doi=10.1016/S0140-6736(09)60010-6"
URL_PATHWAY = (
    "https://medtronic.com/en-us/healthcare-professionals/specialties/spine-surgery/"
    "therapies-procedures/vertebral-augmentation/clinical-care-pathway.html"
)
URL_BAYCARE = "https://baycare.org/health-library/discharge-instructions-for-kyphoplasty"
URL_RECOVERY = (
    "http://ilsmedicalreference.org/2015/09/03/what-to-expect-during-recovery-from-kyphoplasty/"
)
URL_FRAX = "https://pmc.ncbi.nlm.nih.gov/articles/PMC2613968/table/Tab10"
URL_PRIOR_VCF = "https://pubmed.ncbi.nlm.nih.gov/11176842/?dopt=Abstract"
URL_GENANT = "http://qims.amegroups.com/article/view/24006/22821"
URL_CIRSE = (
    "https://genhealth.ai/policy/cms/"
    "ac597a47-percutaneous-vertebral-augmentation-pva-for-vertebral-compression-fracture-vcf"
)
URL_A56572 = (
    "https://www.cms.gov/medicare-coverage-database/view/article.aspx?articleId=56572&ver=15"
)
URL_A58534 = (
    "https://www.cms.gov/medicare-coverage-database/details/article-details.aspx?"
    "articleId=58534&ver=3&LCDId=34228&bc=AAAAAAAAIAAAAAAA&"
)
URL_ACR_UPDATE = "https://scholars.uab.edu/display/pub2282779"
URL_AFTERSPINE = "https://afterspinesurgery.myshopify.com/pages/kyphoplasty"
URL_DAY_SURGERY = "https://tomesphere.com/paper/PMC12549701"
