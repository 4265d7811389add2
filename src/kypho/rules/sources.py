"""How an explanation names a source: a clinic page by its title, with its file name.

The five clinic pages live in ``/work/shared/seeds/`` (not in this repository), so their
titles are written out here, read from each page's first lines: the page heading, and
the practice's name where the page gives one (seed 001 names its providers only as
"PCI"; seeds 002 and 003 name no practice).
"""

from __future__ import annotations

import re

from kypho.rules.types import Citation

SEED_TITLES: dict[str, str] = {
    "000_bdd7da6e78ebfd05.txt": (
        "Minimally Invasive Spine Procedure: Balloon Kyphoplasty, "
        "Back Pain and Spine Physicians in Colorado"
    ),
    "001_ed546894017ef93a.txt": "Balloon Kyphoplasty, PCI",
    "002_22fbc0fc46b5b412.txt": "Treatment Options: Kyphoplasty, Blue Distinction Center for Spine",
    "003_95608b827f138c7b.txt": "Balloon Kyphoplasty Procedure, a spine clinic page",
    "004_243690246ebd197d.txt": (
        "Treatment Spotlight: Balloon Kyphoplasty, Alliance Spine and Pain Centers"
    ),
}

# A seed file name, optionally followed by the section cited, e.g. "001_....txt (Candidates)".
_SEED = re.compile(r"(\d{3}_[0-9a-f]{16}\.txt)(?: \(([^)]*)\))?")


def _titled(match: re.Match[str]) -> str:
    name, section = match.group(1), match.group(2)
    title = SEED_TITLES.get(name)
    if title is None:
        return match.group(0)
    where = f', section "{section}"' if section else ""
    return f"{title}{where} ({name})"


def source_text(source: str) -> str:
    """A source with every clinic page named by its title and file name.

    >>> source_text("001_ed546894017ef93a.txt (Candidates)")
    'Balloon Kyphoplasty, PCI, section "Candidates" (001_ed546894017ef93a.txt)'
    >>> source_text("LCD L34106 inclusion I-1")
    'LCD L34106 inclusion I-1'
    """
    return _SEED.sub(_titled, source)


def cite(citation: Citation) -> str:
    """A citation as a clinician reads it (``Citation.__str__`` with titled pages)."""
    return source_text(str(citation))
