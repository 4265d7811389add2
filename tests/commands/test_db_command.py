"""``kypho db``: upgrade, current and reset-admin-password, through the real CLI entry point.

Settings come from the environment (``KYPHO_DATA_DIR``, ``KYPHO_DATABASE_URL``), as in use.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from kypho.cli import main
from kypho.commands.serve import prepare
from kypho.config import Settings
from kypho.store.engine import make_engine, session_factory, transaction
from kypho.store.models import User
from kypho.web.security.passwords import verify_password


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("KYPHO_DATABASE_URL", "KYPHO_ENVIRONMENT", "KYPHO_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KYPHO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_upgrade_creates_then_reports_up_to_date(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "db", "current")[1].endswith(
        "revision none (empty database); newest 0001\n"
    )
    assert _run(capsys, "db", "upgrade") == (0, "Database: created (revision 0001)\n", "")
    assert (data_dir / "kypho.sqlite3").is_file()
    assert _run(capsys, "db", "upgrade") == (0, "Database: up to date (revision 0001)\n", "")
    code, out, _ = _run(capsys, "db", "current")
    assert (code, out) == (
        0,
        f"sqlite:///{data_dir / 'kypho.sqlite3'}: revision 0001; newest 0001\n",
    )


def _closed_port() -> int:
    with socket.socket() as probe:  # bound then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_postgresql_is_one_line_naming_the_setting(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _closed_port()
    url = f"postgresql+psycopg://kypho:hunter2-secret@127.0.0.1:{port}/clinic"
    monkeypatch.setenv("KYPHO_DATABASE_URL", url)
    code, out, err = _run(capsys, "db", "upgrade")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    shown = f"postgresql+psycopg://kypho:***@127.0.0.1:{port}/clinic"
    assert err.startswith(
        f"kypho: error: KYPHO_DATABASE_URL: expected a database that answers, found {shown}"
    )
    assert "hunter2" not in err


@pytest.mark.parametrize(
    ("url", "found"),
    [("mysql://kypho@db/clinic", "found mysql"), ("not a url", "found an unreadable URL")],
)
def test_an_unsupported_url_is_refused(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    url: str, found: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("KYPHO_DATABASE_URL", url)
    code, _, err = _run(capsys, "db", "upgrade")
    assert code == 2
    assert err.startswith("kypho: error: KYPHO_DATABASE_URL: expected a URL such as ")
    assert err.rstrip().endswith(found)


def test_a_data_dir_that_cannot_be_made_names_kypho_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.delenv("KYPHO_DATABASE_URL", raising=False)
    monkeypatch.setenv("KYPHO_DATA_DIR", str(blocker / "data"))
    code, _, err = _run(capsys, "db", "upgrade")
    assert code == 2
    assert err.startswith("kypho: error: KYPHO_DATA_DIR: expected a database that answers")


def _admin(data_dir: Path) -> User:
    engine = make_engine(Settings(data_dir=data_dir).database)
    with transaction(session_factory(engine)) as db:
        admin = db.scalars(select(User).where(User.username == "admin")).one()
    engine.dispose()
    return admin


def test_reset_admin_password_prints_a_new_one_time_password(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, engine, lines = prepare(Settings(data_dir=data_dir))
    engine.dispose()
    (line,) = [line for line in lines if "one-time password: " in line]
    first = line.split("one-time password: ")[1]
    code, out, _ = _run(capsys, "db", "reset-admin-password")
    assert code == 0
    new = out.splitlines()[0].removeprefix("New one-time password for admin: ")
    assert new != first and len(new) >= 20
    admin = _admin(data_dir)
    assert verify_password(admin.password_hash, new)
    assert not verify_password(admin.password_hash, first)
    assert admin.must_change_password


def test_reset_for_an_unknown_user_is_refused(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "db", "upgrade")[0] == 0
    code, out, err = _run(capsys, "db", "reset-admin-password", "--username", "nobody")
    assert (code, out) == (2, "")
    assert err == "kypho: error: --username: expected an existing user, found no 'nobody'\n"
