"""``kypho db``: the clinic database (``upgrade``, ``current``, ``reset-admin-password``,
``import-worklist``).

The database is ``KYPHO_DATABASE_URL``, else SQLite in ``KYPHO_DATA_DIR``. A database that
cannot be reached or was not made by kypho is a user error (exit 2, one line).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kypho.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # sqlalchemy and pydantic are imported lazily: the CLI starts fast
    from sqlalchemy import Engine

    from kypho.config import Settings

SUPPORTED_BACKENDS = ("sqlite", "postgresql")  # the audit triggers exist for these two

db_app = typer.Typer(help="The clinic database: migrations and the first administrator.",
                     no_args_is_help=True)  # fmt: skip


def _shown(url: str) -> str:
    """``url`` with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def database_setting(settings: Settings) -> str:
    """The setting that chose the database: the URL, or the data folder of SQLite."""
    return "KYPHO_DATABASE_URL" if settings.database_url else "KYPHO_DATA_DIR"


def _cause(err: Exception) -> str:
    return (str(getattr(err, "orig", None) or err).strip().splitlines() or ["?"])[0]


def _unreachable(settings: Settings, err: Exception) -> InvalidInput:
    return InvalidInput(f"{database_setting(settings)}: expected a database that answers, "
                        f"found {_shown(settings.database)} failing ({_cause(err)})")  # fmt: skip


def _check_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        backend = None
    if backend not in SUPPORTED_BACKENDS:
        raise InvalidInput(
            "KYPHO_DATABASE_URL: expected a URL such as postgresql+psycopg://user@host/db "
            f"(or sqlite:///path), found {'an unreadable URL' if backend is None else backend}"
        )


def open_database(settings: Settings) -> Engine:
    """An engine on the configured database, checked to answer."""
    from sqlalchemy.exc import SQLAlchemyError

    from kypho.store.engine import make_engine

    _check_url(settings.database)
    try:
        engine = make_engine(settings.database)
    except (SQLAlchemyError, ImportError, OSError) as err:  # no driver, no folder
        raise _unreachable(settings, err) from None
    try:
        with engine.connect():
            pass
    except (SQLAlchemyError, OSError) as err:
        engine.dispose()
        raise _unreachable(settings, err) from None
    return engine


def upgrade_database(engine: Engine, *, setting: str = "KYPHO_DATABASE_URL") -> str:
    """Bring the database to the newest revision; one line saying what was done.

    ``setting`` names the database in messages (see ``database_setting``).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from kypho.store import schema

    found, newest = schema.current(engine), schema.head()
    if found is None and schema.user_tables(engine):
        raise InvalidInput(
            f"{setting}: expected an empty database or one kypho made, found tables "
            f"without kypho's migration record ({schema.VERSION_TABLE})"
        )
    if found == newest:
        return f"Database: up to date (revision {newest})"
    if found is not None and found not in schema.known_revisions():
        raise InvalidInput(f"{setting}: expected a database at revision {newest} or "
                           f"older, found revision {found} (made by a newer kypho)")  # fmt: skip
    try:
        schema.upgrade(engine)
    except SQLAlchemyError as err:  # no right to create tables, a disk full...
        message = f"the upgrade refused ({_cause(err)}); nothing was changed"
        raise InvalidInput(
            f"{setting}: expected a database kypho may upgrade, found {message}"
        ) from None
    if found is None:
        return f"Database: created (revision {newest})"
    return f"Database: upgraded from revision {found} to {newest}"


def upgrade() -> None:
    """Bring the clinic database to the newest schema (created if empty)."""
    from kypho.config import load_settings

    settings = load_settings()
    engine = open_database(settings)
    try:
        typer.echo(upgrade_database(engine, setting=database_setting(settings)))
    finally:
        engine.dispose()


def current() -> None:
    """Print the database's revision and the newest one."""
    from kypho.config import load_settings
    from kypho.store import schema

    settings = load_settings()
    engine = open_database(settings)
    try:
        found = schema.current(engine) or "none (empty database)"
    finally:
        engine.dispose()
    typer.echo(f"{_shown(settings.database)}: revision {found}; newest {schema.head()}")


def reset_admin_password(
    username: Annotated[str, typer.Option(help="Whose password to reset.")] = "admin",
) -> None:
    """Give a user a new one-time password (printed once); unlocks the account."""
    from sqlalchemy import select

    from kypho.config import load_settings
    from kypho.store.audit import SYSTEM
    from kypho.store.base import utcnow
    from kypho.store.engine import session_factory, transaction
    from kypho.store.models import User
    from kypho.store.people import reset_password

    engine = open_database(load_settings())
    try:
        with transaction(session_factory(engine)) as db:
            user_id = db.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise NotFound(f"--username: expected an existing user, found no {username!r}")
            password = reset_password(db, SYSTEM, user_id, now=utcnow())
    finally:
        engine.dispose()
    typer.echo(f"New one-time password for {username}: {password}")
    typer.echo("Shown once: sign in with it, then choose a new password.")


def import_worklist(
    path: Annotated[
        Path, typer.Argument(help="kypho screen's output folder, or its screening.parquet.")
    ],
) -> None:
    """Import a screening run's flagged findings into the fracture liaison queue."""
    from kypho.config import load_settings
    from kypho.store.audit import SYSTEM
    from kypho.store.engine import session_factory, transaction
    from kypho.store.screening_findings import import_findings

    engine = open_database(load_settings())
    try:
        with transaction(session_factory(engine)) as db:
            result = import_findings(db, SYSTEM, path)
    finally:
        engine.dispose()
    typer.echo(f"run {result.run_sha256[:16]}: {result.added} findings added to the fracture "
               f"liaison queue, {result.already} already there")  # fmt: skip
    typer.echo("Screening findings for follow-up, not diagnoses: a clinician reviews each one.")


db_app.command("upgrade")(upgrade)
db_app.command("current")(current)
db_app.command("reset-admin-password")(reset_admin_password)
db_app.command("import-worklist")(import_worklist)


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    app.add_typer(db_app, name="db")
