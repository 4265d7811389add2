"""The ``kypho`` command line: a thin recipe over the library.

Every command is registered from ``kypho.commands``. ``main`` turns a user error
(``InvalidInput``, ``NotFound``) into one line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import logging
import sys

import typer

from kypho.commands import (
    assess,
    catalogue,
    db,
    educate,
    fhir,
    measure,
    plan,
    schema,
    screen,
    serve,
)
from kypho.errors import InvalidInput, NotFound

EXIT_USER_ERROR = 2

app = typer.Typer(
    name="kypho",
    help="Decision support for balloon kyphoplasty: candidacy, morphometry, planning, recovery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (assess, catalogue, db, educate, fhir, measure, plan, schema, screen, serve):
    _module.register(app)


@app.callback()
def _root() -> None:
    """Decision support for balloon kyphoplasty. The physician decides; kypho explains."""


# The click command, built once: ``app(...)`` would rebuild it from the signatures on
# every call, half the time of a short command (measured with the fuzz harness).
_COMMAND = typer.main.get_command(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, mapping user errors to one message and exit status 2.

    Usage errors (an unknown option, a bad choice) are reported by typer itself, also
    with exit status 2.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        _COMMAND.main(args=argv, prog_name="kypho")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except (InvalidInput, NotFound) as err:
        typer.echo(f"kypho: error: {err}", err=True)
        return EXIT_USER_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
