"""The worklist ``/``: every case by stage, searchable, overdue first, 50 a page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from kypho.rules.words import VERDICT_WORDS
from kypho.store.audit import Actor
from kypho.store.stages import Stage
from kypho.store.worklist import CaseRow, worklist
from kypho.web.deps import DbSession, Now
from kypho.web.render import fill, render_shared
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(include_in_schema=False)

_NOT_ASSESSED = '<span class="muted">not assessed</span>'
Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]


def page_url(*, q: str, stage: Stage | None, overdue: bool, page: int = 1) -> str:
    """The worklist URL for these filters (only the ones set)."""
    params: dict[str, str] = {}
    if q:
        params["q"] = q
    if stage is not None:
        params["stage"] = stage.value
    if overdue:
        params["overdue"] = "1"
    if page > 1:
        params["page"] = str(page)
    return "/" + (f"?{urlencode(params)}" if params else "")


def rows_html(rows: list[CaseRow]) -> Markup:
    """The worklist table's rows, every text escaped.

    Built here, not in the template: 50 rows of Jinja attribute look-ups and escapes were
    a quarter of the page's time (measured, ``bench/bench_web.py``).
    """
    return Markup("".join(_kept_row_html(r) for r in rows))


# Rows' HTML by everything a row shows: the same values give the same text, so a kept one
# is never stale. Project convention: a bound on its memory (~1 kB a row).
_HTML_MAX_ENTRIES = 20_000
_HTML: dict[tuple[Any, ...], str] = {}


def _kept_row_html(r: CaseRow) -> str:
    key = (r.case_pk, r.patient_name, r.mrn, r.case_ref, r.stage, tuple(r.decisions.items()))
    found = _HTML.get(key)
    if found is None:
        if len(_HTML) >= _HTML_MAX_ENTRIES:
            _HTML.clear()
        found = _HTML[key] = _row_html(r)
    return found


def _row_html(r: CaseRow) -> str:
    stage = r.stage.stage
    decisions = "".join(
        f"<div>{escape(policy)}: {escape(VERDICT_WORDS.get(decision, decision))}</div>"
        for policy, decision in r.decisions.items()
    )
    late = "".join(f'<div class="overdue">Overdue: {escape(x)}</div>' for x in r.stage.overdue)
    return (
        f'<tr class="{"overdue-row" if r.stage.overdue else ""}">\n'
        f'<td><a href="/cases/{r.case_pk}">{escape(r.patient_name)}</a></td>\n'
        f'<td class="nowrap">{escape(r.mrn)}</td>\n'
        f'<td class="nowrap">{escape(r.case_ref)}</td>\n'
        f'<td><span class="badge stage-{escape(stage.value)}">{escape(stage.label)}</span></td>\n'
        f"<td>{decisions or _NOT_ASSESSED}</td>\n"
        f"<td>{escape(r.stage.next_action)}\n{late}</td>\n"
        "</tr>\n"
    )


@router.get("/")
def worklist_page(
    request: Request,
    db: DbSession,
    actor: Reader,
    now: Now,
    q: Annotated[str, Query(max_length=200)] = "",
    stage: Stage | None = None,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    found = worklist(db, actor, now=now, q=q, stage=stage, overdue_only=overdue, page=page)
    rows = rows_html(found.rows)
    counts = tuple(found.counts.items())
    key = (str(rows), counts, found.total, found.page, found.pages, q, stage, overdue,
           now.date(), actor.role)  # fmt: skip
    kept = _PAGES.get(key)
    if kept is None:
        context = {
            "found": found,
            "rows_html": rows,
            "q": q,
            "stage": stage,
            "overdue": overdue,
            "stages": list(Stage),
            "verdicts": VERDICT_WORDS,
            "today": now.date(),
            "stage_url": lambda s: page_url(q=q, stage=s, overdue=overdue),
            "page_url": lambda n: page_url(q=q, stage=stage, overdue=overdue, page=n),
        }
        if len(_PAGES) >= _PAGES_MAX_ENTRIES:
            _PAGES.clear()
        kept = _PAGES[key] = render_shared(request, "worklist/page.html", context)
    return fill(request, kept)


# Pages by everything they show (the rows' text, the counts, the filters, today, the
# reader's role; the CSRF token and user name are put in per request): never stale.
# Project convention: a bound on their memory (~60 kB a page).
_PAGES_MAX_ENTRIES = 200
_PAGES: dict[tuple[Any, ...], str] = {}
