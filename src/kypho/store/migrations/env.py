"""Alembic's entry point: run the migrations on the connection ``kypho.store.schema`` passes.

``config.attributes["connection"]`` is an open connection inside a transaction (the caller
commits). SQLite gets batch mode, so a later ``ALTER`` is rendered as copy-and-move.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import kypho.store.models  # noqa: F401  (registers every table on Base.metadata)
from kypho.store.base import Base
from kypho.store.migrations.rendering import render_item


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
        process_revision_directives=context.config.attributes.get("process_revision_directives"),
    )
    with context.begin_transaction():
        context.run_migrations()


# Only when Alembic runs this file (pytest's doctest collection imports it too).
if hasattr(context, "config"):
    given = context.config.attributes.get("connection")
    if given is None:
        raise RuntimeError("migrations: run them through kypho.store.schema (no connection given)")
    run(given)
