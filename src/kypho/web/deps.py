"""Request-scoped dependencies: the clinic's clock and policies, and the database session.

One transaction per request. Every case version saved in it is assessed under the
clinic's policies as of the clinic's today (``kypho.store.cases.AssessOnSave``), so the
worklist and the case page always show a decision on the current version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kypho.config import Settings
from kypho.rules import Policy
from kypho.store.cases import ASSESS_ON_SAVE, AssessOnSave
from kypho.store.stage_table import CLINIC_NOW


def clinic_now(request: Request) -> datetime:
    """Now in the clinic's time zone: the app's one clock (tests override this dependency)."""
    return datetime.now(request.app.state.settings.time_zone)


def clinic_policies(request: Request) -> tuple[Policy, ...]:
    """The clinic's policies: the settings' defaults (``KYPHO_DEFAULT_POLICIES``)."""
    from kypho.workflows.policies import resolve_policies

    return resolve_policies((), (), settings=request.app.state.settings)


Now = Annotated[datetime, Depends(clinic_now)]
Policies = Annotated[tuple[Policy, ...], Depends(clinic_policies)]


def db_session(request: Request, now: Now, policies: Policies) -> Iterator[Session]:
    """The request's session: committed when the route returns, rolled back on an error."""
    factory = request.app.state.sessions
    with factory() as session:
        session.info[ASSESS_ON_SAVE] = AssessOnSave(policies=policies, on=now.date())
        session.info[CLINIC_NOW] = now  # stage rows are computed on the app's clock
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so an answer of
# 200 means the write is on disk (FastAPI's default scope would commit afterwards).
DbSession = Annotated[Session, Depends(db_session, scope="function")]
