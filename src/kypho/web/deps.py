"""Request-scoped dependencies: the clinic's clock and policies, and the database session.

One transaction per request. Every case version saved in it is assessed under the
clinic's policies as of the clinic's today (``kypho.store.cases.AssessOnSave``), so the
worklist and the case page always show a decision on the current version. A request that
only reads (GET, HEAD) gets a read-only session: it never takes the database's write
lock, and its audit rows are written in groups before the answer
(``kypho.store.write_gate``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from anyio import CancelScope
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kypho.config import Settings
from kypho.rules import Policy
from kypho.store.cases import ASSESS_ON_SAVE, AssessOnSave
from kypho.store.stage_table import CLINIC_NOW
from kypho.store.write_gate import read_only, write_deferred

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The small dependencies are ``async def``: a plain ``def`` would cost each request a
# round trip to a worker thread (measured with py-spy under ``bench/bench_web.py``).


async def clinic_now(request: Request) -> datetime:
    """Now in the clinic's time zone: the app's one clock (tests override this dependency)."""
    return datetime.now(request.app.state.settings.time_zone)


def policies_of(state: Any) -> tuple[Policy, ...]:
    """The clinic's policies of an app's ``state``: the settings' defaults
    (``KYPHO_DEFAULT_POLICIES``), read once."""
    from kypho.workflows.policies import resolve_policies

    found: tuple[Policy, ...] | None = getattr(state, "clinic_policies", None)
    if found is None:
        found = state.clinic_policies = resolve_policies((), (), settings=state.settings)
    return found


async def clinic_policies(request: Request) -> tuple[Policy, ...]:
    """The clinic's policies (``policies_of`` the app's state)."""
    return policies_of(request.app.state)


Now = Annotated[datetime, Depends(clinic_now)]
Policies = Annotated[tuple[Policy, ...], Depends(clinic_policies)]


async def db_session(request: Request, now: Now, policies: Policies) -> AsyncIterator[Session]:
    """The request's session: committed when the route returns, rolled back on an error.

    ``async``: making a session touches no database (its connection is taken at the first
    query, in the route's worker thread), so only the end, which commits and writes the
    deferred audit rows, goes to a worker thread: one thread hop a request fewer.
    """
    session = request.app.state.sessions()
    session.info[ASSESS_ON_SAVE] = AssessOnSave(policies=policies, on=now.date())
    session.info[CLINIC_NOW] = now  # stage rows are computed on the app's clock
    if request.method in SAFE_METHODS:
        read_only(session)
    try:
        yield session
    except BaseException:
        with CancelScope(shield=True):  # a cancelled request still gives its connection back
            await run_in_threadpool(_abandon, session)
        raise
    with CancelScope(shield=True):
        await run_in_threadpool(_finish, session)


def _finish(session: Session) -> None:
    """Commit, write a read's audit rows (on disk before the answer), close."""
    try:
        session.commit()
        write_deferred(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _abandon(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so an answer of
# 200 means the write is on disk (FastAPI's default scope would commit afterwards).
DbSession = Annotated[Session, Depends(db_session, scope="function")]
