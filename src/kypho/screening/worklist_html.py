"""The fracture liaison worklist: one HTML page, studies by priority, flagged levels shown.

Each study's flagged levels (Genant >= 2, a grade range reaching 2, the low-density level)
appear with their picture (``thumbnails/``, files beside the page) and values; studies
that could not be screened are listed with their reason, because a failed screen is
unknown, not normal. Everything is escaped; the page loads nothing from elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from kypho.screening.rows import flagged
from kypho.screening.types import PRIORITIES, Row, StudyResult

DISCLAIMER = (
    "Decision support only: measurements from a segmentation, and a CT bone density "
    "screening flag for a DXA referral, not a diagnosis. Check every finding on the images; "
    "the physician decides."
)
NOTHING_FLAGGED = 7  # the priority of a study with nothing flagged (types.PRIORITIES)
STYLE = (
    "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
    ".p1{background:#fdd}.p2{background:#fec}.p3{background:#ffd}.p4{background:#eef}"
    "figure{display:inline-block;margin:2px;font-size:80%}"
)


def _level(row: Row) -> str:
    grade = "-" if row["genant_grade"] is None else row["genant_grade"]
    bits = [f"<b>{escape(str(row['level']))}</b> Genant {grade}"]
    if row["genant_grade_min"] != row["genant_grade_max"]:
        bits.append(f"(range {row['genant_grade_min']}-{row['genant_grade_max']})")
    if row["height_loss_pct"] is not None:
        bits.append(f"loss {row['height_loss_pct']} %")
    if row["morphology"] not in (None, "none"):
        bits.append(escape(str(row["morphology"])))
    if row["flag_low_density"]:
        bits.append(f"{row['trabecular_mean_hu']} HU: {escape(str(row['density_flag']))}")
    if row["quality"] != "good":
        bits.append(f"quality {escape(str(row['quality']))}: {escape(row['quality_reasons'])}")
    text = " ".join(bits)
    if row["thumbnail"]:
        alt = escape(f"sagittal view of {row['level']}")
        src = escape(str(row["thumbnail"]))
        return f'<figure><img src="{src}" alt="{alt}"><figcaption>{text}</figcaption></figure>'
    return f"<div>{text}</div>"


def _study(result: StudyResult) -> str:
    first = result.rows[0]
    priority = int(first["priority"])
    if result.failed:
        detail = f"<i>not screened:</i> {escape(result.failure or '')}"
    else:
        shown = [_level(r) for r in result.rows if flagged(r) or r["flag_limited"]]
        detail = "".join(shown) or "nothing flagged"
        detail += f"<div>density: {escape(str(first['density_reason'] or ''))}</div>"
    return (
        f'<tr class="p{priority}"><td>{priority}: {escape(PRIORITIES[priority])}</td>'
        f"<td>{escape(result.study_id)}</td><td>{detail}</td></tr>"
    )


def worklist_html(results: Sequence[StudyResult], *, title: str = "kypho screening") -> str:
    """The page: studies with a flag or a failure, by priority (1 first), then as given.

    Studies with nothing flagged are counted, not listed (they are in the tables).
    """
    order = sorted(range(len(results)), key=lambda i: (int(results[i].rows[0]["priority"]), i))
    shown = [i for i in order if int(results[i].rows[0]["priority"]) < NOTHING_FLAGGED]
    failed = sum(r.failed for r in results)
    body = "".join(_study(results[i]) for i in shown)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p><b>{escape(DISCLAIMER)}</b></p>"
        f"<p>{len(results)} studies: {len(shown)} listed, {failed} of them not screened; "
        f"{len(results) - len(shown)} with nothing flagged (see screening.csv).</p>"
        "<table><tr><th>priority</th><th>study</th><th>findings</th></tr>"
        f"{body}</table></body></html>\n"
    )
