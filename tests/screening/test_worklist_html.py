"""The worklist page: order by priority, escaping, failures listed, unflagged counted."""

from __future__ import annotations

from pathlib import Path

from kypho.screening.types import FailureKind, Study, StudyResult, blank_row, failed_result
from kypho.screening.worklist_html import worklist_html


def _screened(study_id: str, priority: int, **row: object) -> StudyResult:
    base = blank_row(Study(study_id=study_id, mask=Path("m.nii.gz")))
    flags = {"flag_fracture": False, "flag_possible_fracture": False, "flag_low_density": False}
    values = base | flags | {"status": "screened", "level": "L1", "quality": "good"}
    values |= {"flag_limited": False, "priority": priority, "genant_grade": 0}
    values |= {"genant_grade_min": 0, "genant_grade_max": 0, "quality_reasons": ""}
    return StudyResult(study_id=study_id, rows=(values | row,))


def test_priority_order_escaping_and_counts() -> None:
    results = [
        _screened("quiet", 7),
        _screened("<script>x</script>", 2, flag_fracture=True, genant_grade=2),
        failed_result(
            Study(study_id="bad", mask=Path("b.nii")), "b.nii: truncated", FailureKind.INPUT
        ),
        _screened("severe", 1, flag_fracture=True, genant_grade=3, thumbnail="thumbnails/k-L1.png"),
    ]
    page = worklist_html(results)
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert page.index("severe") < page.index("&lt;script&gt;") < page.index("bad")
    assert "not screened:</i> b.nii: truncated" in page
    assert '<img src="thumbnails/k-L1.png"' in page
    assert "quiet" not in page
    assert "4 studies: 3 listed, 1 of them not screened; 1 with nothing flagged" in page
