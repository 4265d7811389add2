"""The ``kypho`` command line: a thin recipe over the library.

Every command is registered from ``kypho.commands``. ``main`` turns a user error
(``InvalidInput``, ``NotFound``) into one line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import logging
import sys

import typer

from kypho.commands import assess, catalogue, measure, plan, schema
from kypho.errors import InvalidInput, NotFound

EXIT_USER_ERROR = 2

app = typer.Typer(
    name="kypho",
    help="Decision support for balloon kyphoplasty: candidacy, morphometry, planning, recovery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (assess, catalogue, measure, plan, schema):
    _module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, mapping user errors to exit status 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(args=argv, standalone_mode=False)
    except (InvalidInput, NotFound) as err:
        typer.echo(f"kypho: error: {err}", err=True)
        return EXIT_USER_ERROR
    except typer.Exit as err:
        return int(err.exit_code or 0)
    except typer.Abort:
        typer.echo("kypho: aborted", err=True)
        return 1
    except Exception as err:  # click's usage errors
        import click

        if isinstance(err, click.ClickException):
            err.show()
            return EXIT_USER_ERROR if isinstance(err, click.UsageError) else err.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
