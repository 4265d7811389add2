"""Request-scoped dependencies: the database session (one transaction per request)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kypho.config import Settings


def db_session(request: Request) -> Iterator[Session]:
    """The request's session: committed when the route returns, rolled back on an error."""
    factory = request.app.state.sessions
    with factory() as session:
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
