"""Bring a database to the current schema with the Alembic migrations in ``migrations/``.

Configured in code: no ``alembic.ini`` is read. ``upgrade`` and ``downgrade`` each run in
one transaction, on SQLite as on PostgreSQL, so a failed one leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's own bookkeeping table


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for kypho's migrations, running on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")  # a path may hold spaces or commas
    config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision (the schema the models describe)."""
    found = _scripts().get_current_head()
    assert found is not None  # 0001 exists
    return found


def known_revisions() -> frozenset[str]:
    """Every revision this version of kypho has a migration for."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def current(engine: Engine) -> str | None:
    """The database's revision; None for an empty database (or one Alembic never ran on)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def user_tables(engine: Engine) -> list[str]:
    """Every table except Alembic's own, sorted."""
    return sorted(set(inspect(engine).get_table_names()) - {VERSION_TABLE})


@contextmanager
def _one_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite opens no transaction before DDL: open one, so that a migration is
            # all or nothing (and one synchronous commit, not one per statement).
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection
        connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (default: the newest)."""
    with _one_transaction(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to ``revision``; ``base`` drops every table (Alembic's stays)."""
    with _one_transaction(engine) as connection:
        command.downgrade(alembic_config(connection), revision)
