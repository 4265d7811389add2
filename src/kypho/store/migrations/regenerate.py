"""Regenerate ``versions/0001_initial.py`` from the models (before the first release only).

Autogenerates against an empty SQLite database, appends the audit triggers to the upgrade
(and their removal to the downgrade), then tidies the file with ruff (a dev tool)::

    .venv/bin/python -m kypho.store.migrations.regenerate
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.operations import ops

from kypho.store.engine import make_engine
from kypho.store.migrations.audit_triggers import CreateAuditTriggers
from kypho.store.schema import MIGRATIONS, alembic_config

VERSIONS = MIGRATIONS / "versions"
INITIAL_NAME = "0001_initial.py"


def _add_triggers(_context: Any, _revision: Any, directives: list[ops.MigrationScript]) -> None:
    script = directives[0]
    script.upgrade_ops_list[0].ops.append(CreateAuditTriggers())
    script.downgrade_ops_list[0].ops.insert(0, CreateAuditTriggers().reverse())


def regenerate(versions: Path = VERSIONS) -> Path:
    """Write 0001 afresh into ``versions`` (tests pass another folder); returns its path."""
    initial = versions / INITIAL_NAME
    initial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'empty.sqlite3'}")
        with engine.begin() as connection:
            config = alembic_config(connection)
            config.set_main_option("version_locations", str(versions))
            config.attributes["process_revision_directives"] = _add_triggers
            command.revision(config, message="initial", autogenerate=True, rev_id="0001")
        engine.dispose()
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "format", "--silent", str(initial)], check=True)
    subprocess.run([*ruff, "check", "--fix", "--silent", str(initial)], check=True)
    return initial


if __name__ == "__main__":
    print(regenerate())  # noqa: T201
