"""``kypho serve``: the clinic web app, on SQLite by default, after getting it ready.

``prepare`` does everything but serving: it checks the settings (and makes the development
secret key once), opens the database, upgrades it to the newest schema and seeds an empty
one (the first administrator, two rooms and, in development, the example cases). Uvicorn
then serves ``create_app``. The first administrator's one-time password is printed once,
on the start that creates it; later starts say how to reset it instead.
"""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from kypho.commands.db import database_setting, open_database, upgrade_database

if TYPE_CHECKING:  # sqlalchemy and pydantic are imported lazily: the CLI starts fast
    from sqlalchemy import Engine

    from kypho.config import Settings

DEFAULT_HOST = "127.0.0.1"  # loopback: reachable from this machine only, until told otherwise
DEFAULT_PORT = 8000
EXIT_BAD_INPUT = 2


class NoQueryStrings(logging.Filter):
    """Drop the query string from access-log lines: a search (``?q=``) may be a name or MRN."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """Uvicorn's logging, with ``NoQueryStrings`` on the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query_strings"] = {"()": NoQueryStrings}
    config["handlers"]["access"]["filters"] = ["no_query_strings"]
    return config


def _seed_lines(engine: Engine, url: str, *, examples: bool) -> list[str]:
    from kypho.store.engine import session_factory, transaction
    from kypho.store.seed import ADMIN_USERNAME, seed

    with transaction(session_factory(engine)) as db:
        report = seed(db, examples=examples)
    seeded = [f"{report.cases_added} example cases (synthetic patients)"] * bool(report.cases_added)
    seeded += [f"{report.rooms_added} rooms"] * bool(report.rooms_added)
    lines = [f"Seeded: {', '.join(seeded)}"] if seeded else []
    if report.admin_password is None:
        lines.append("Sign in with your account; a lost administrator password is reset with: "
                     "kypho db reset-admin-password")  # fmt: skip
    else:
        lines += [
            f"First administrator: {ADMIN_USERNAME}, one-time password: {report.admin_password}",
            f"  (shown once) Sign in at {url}/sign-in, then choose a new password.",
        ]
    return lines


def prepare(settings: Settings, *, url: str | None = None) -> tuple[Settings, Engine, list[str]]:
    """Checked settings, an up-to-date seeded database, and what was done (lines to print).

    ``url`` is where users reach the app (for the sign-in hint); default ``public_url``.
    """
    from kypho.web.settings_check import check_settings

    settings, lines = check_settings(settings)
    engine = open_database(settings)
    try:
        lines.append(upgrade_database(engine, setting=database_setting(settings)))
        url = url or settings.public_url or _local_url(DEFAULT_HOST)
        examples = settings.environment == "development"  # no made-up patients in production
        lines += _seed_lines(engine, url, examples=examples)
    except BaseException:
        engine.dispose()
        raise
    return settings, engine, lines


def _local_url(host: str, port: int = DEFAULT_PORT) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


MAX_WORKERS = 64  # project convention: more processes than this is a mistyped number


def worker_app() -> Any:
    """The app one of several Uvicorn workers serves (``--workers``): the settings read and
    checked again in the worker (the development secret is the file ``prepare`` made),
    its own engine. The database is already prepared: nothing is upgraded or seeded."""
    from kypho.config import load_settings
    from kypho.web.app import create_app
    from kypho.web.settings_check import check_settings

    settings, _ = check_settings(load_settings())
    return create_app(settings)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = DEFAULT_PORT,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Worker processes (one per core at most). Each has its own database "
            "connections (on SQLite they share the file's one write lock) and, on Linux, "
            "its own listener: the system spreads connections across them.",
        ),
    ] = 1,
) -> None:
    """Start the clinic web app (upgrading and seeding an empty database first)."""
    import uvicorn

    from kypho.config import load_settings
    from kypho.web.app import create_app
    from kypho.web.workers import PortInUse, check_port_free

    try:  # before anything is prepared: a clear message, not Uvicorn's after seeding
        check_port_free(host, port)
    except PortInUse as err:
        _port_refused(err)
    settings = load_settings()
    url = settings.public_url or _local_url(host, port)
    settings, engine, lines = prepare(settings, url=url)
    for line in lines:
        typer.echo(line)
    typer.echo(f"kypho clinic app: {url}  (Ctrl+C stops it)")
    # proxy_headers off: X-Forwarded-For is read by the app alone, and only from
    # KYPHO_TRUSTED_PROXIES (uvicorn's default would trust it from 127.0.0.1).
    options: dict[str, Any] = {"host": host, "port": port, "log_config": log_config(),
                               "proxy_headers": False}  # fmt: skip
    if workers > 1:  # each worker imports the app itself (a process cannot share one)
        engine.dispose()
        _serve_workers(workers, options)
        return
    try:
        uvicorn.run(create_app(settings, engine=engine), **options)
    finally:
        engine.dispose()


def _serve_workers(workers: int, options: dict[str, Any]) -> None:
    """``workers`` processes of ``worker_app``, each on its own listener where the system
    spreads connections across listeners (``kypho.web.workers``), else on Uvicorn's one
    shared socket."""
    import uvicorn

    from kypho.web.workers import PortInUse, serve_workers, spreads_connections

    app = f"{__name__}:worker_app"
    if not spreads_connections():
        uvicorn.run(app, factory=True, workers=workers, **options)
        return
    try:
        status = serve_workers(uvicorn.Config(app, factory=True, workers=workers, **options))
    except PortInUse as err:  # taken since serve's own check
        _port_refused(err)
    if status:
        raise typer.Exit(status)


def _port_refused(err: Exception) -> NoReturn:
    typer.echo(f"kypho: error: --port: expected a port no server listens on; {err}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve")(serve)
