"""Importing a screening run's worklist into the fracture liaison queue.

``kypho screen --out DIR`` writes ``DIR/screening.parquet`` (columns
``kypho.screening.COLUMNS``) and ``DIR/thumbnails/``. Imported are the rows a person must
act on: a fracture, a possible fracture, low bone density, a study that could not be
screened (unknown, not normal) or of limited quality (priorities 1 to 6). The run is
named by its file's SHA-256, so importing it again adds nothing. Reads and the import are
audited; a finding is a screening result for the liaison service, never a diagnosis.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from kypho.errors import InvalidInput, NotFound
from kypho.store.audit import Actor, record_event
from kypho.store.models import ScreeningFinding

WORKLIST_NAME = "screening.parquet"
MAX_WORKLIST_BYTES = 100_000_000  # project convention: a run of ~100,000 studies' rows
MAX_THUMBNAIL_BYTES = 2_000_000  # project convention: a thumbnail is a few kB
NOTHING_FLAGGED = 7  # kypho.screening.types.PRIORITIES: not imported
NEEDED = ("study_id", "status", "failure_reason", "level", "genant_grade", "height_loss_pct",
          "trabecular_median_hu", "density_reason", "flag_fracture", "flag_low_density",
          "flag_limited", "priority", "priority_reason", "thumbnail")  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    run_sha256: str
    added: int
    already: int  # the same run's rows imported before


def _worklist_file(path: Path) -> Path:
    found = path / WORKLIST_NAME if path.is_dir() else path
    if not found.is_file():
        raise InvalidInput(f"{path}: expected a screening output folder or its "
                           f"{WORKLIST_NAME}, found no such file")  # fmt: skip
    size = found.stat().st_size
    if size > MAX_WORKLIST_BYTES:
        raise InvalidInput(f"{found}: expected at most {MAX_WORKLIST_BYTES:,} bytes, "
                           f"found {size:,}")  # fmt: skip
    return found


def read_worklist(path: Path) -> tuple[str, list[dict[str, Any]], Path]:
    """(the run's SHA-256, its rows, its folder) from ``kypho screen``'s Parquet file."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    found = _worklist_file(path)
    data = found.read_bytes()
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as err:
        raise InvalidInput(f"{found}: expected a Parquet file written by kypho screen, "
                           f"found one that cannot be read ({err})") from None  # fmt: skip
    missing = [c for c in NEEDED if c not in table.column_names]
    if missing:
        raise InvalidInput(f"{found}: expected the columns of kypho screen's worklist, "
                           f"missing {', '.join(missing)}")  # fmt: skip
    return hashlib.sha256(data).hexdigest(), table.select(list(NEEDED)).to_pylist(), found.parent


def _thumbnail(folder: Path, relative: object) -> bytes | None:
    if not isinstance(relative, str) or not relative:
        return None
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return None  # outside the run's folder, or gone: the finding stands without it
    if path.stat().st_size > MAX_THUMBNAIL_BYTES:
        return None
    return path.read_bytes()


def _finding(row: dict[str, Any], run: str, folder: Path, actor: Actor) -> ScreeningFinding:
    return ScreeningFinding(
        run_sha256=run, study_id=str(row["study_id"])[:200], level=row["level"] or "",
        priority=int(row["priority"]), priority_reason=row["priority_reason"] or "",
        genant_grade=row["genant_grade"], height_loss_pct=row["height_loss_pct"],
        flag_fracture=bool(row["flag_fracture"]), flag_low_density=bool(row["flag_low_density"]),
        flag_limited=bool(row["flag_limited"]),
        trabecular_median_hu=row["trabecular_median_hu"],
        density_reason=row["density_reason"] or "", failure_reason=row["failure_reason"] or "",
        thumbnail_png=_thumbnail(folder, row["thumbnail"]), imported_by=actor.user_id,
    )  # fmt: skip


def _acted_on(row: dict[str, Any]) -> bool:
    """A row the liaison service acts on: the study's priority, and for a screened study,
    a flag on this level (the study's other levels stay in the Parquet file)."""
    if row["priority"] is None or int(row["priority"]) >= NOTHING_FLAGGED:
        return False
    if row["status"] != "screened":
        return True
    return bool(row["flag_fracture"] or row["flag_low_density"] or row["flag_limited"])


def import_findings(db: Session, actor: Actor, path: Path) -> ImportResult:
    """Import a run's flagged rows (again: nothing new); one audit event."""
    run, rows, folder = read_worklist(path)
    seen = {(s, lv) for s, lv in db.execute(select(ScreeningFinding.study_id,
            ScreeningFinding.level).where(ScreeningFinding.run_sha256 == run))}  # fmt: skip
    added = already = 0
    for row in rows:
        if not _acted_on(row):
            continue
        key = (str(row["study_id"])[:200], row["level"] or "")
        if key in seen:
            already += 1
            continue
        seen.add(key)
        db.add(_finding(row, run, folder, actor))
        added += 1
    record_event(db, actor, action="import", record_type="screening", record_id=run[:16],
                 detail=f"{added} findings added, {already} already there")  # fmt: skip
    return ImportResult(run_sha256=run, added=added, already=already)


def list_findings(db: Session) -> list[ScreeningFinding]:
    """Every finding, by priority then as imported (no thumbnails; not audited: the
    caller records the list)."""
    query = select(ScreeningFinding).options(defer(ScreeningFinding.thumbnail_png))
    return list(db.scalars(query.order_by(ScreeningFinding.priority, ScreeningFinding.id)))


def finding_thumbnail(db: Session, actor: Actor, finding_id: int) -> bytes:
    """The finding's thumbnail (PNG); the read is audited."""
    row = db.get(ScreeningFinding, finding_id)
    if row is None or row.thumbnail_png is None:
        raise NotFound(f"screening finding {finding_id}: no thumbnail stored")
    record_event(db, actor, action="read", record_type="screening_finding",
                 record_id=finding_id)  # fmt: skip
    return row.thumbnail_png
