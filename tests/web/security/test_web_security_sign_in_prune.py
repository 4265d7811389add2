"""Sign-in attempts are kept only while a throttling window may count them.

The address window is ``IP_WINDOW_MINUTES`` (15) and the default lock-out 15 minutes, so
an attempt 15 minutes old is deleted at the next sign-in and one a microsecond younger
is kept; a longer lock-out keeps them longer. Both engines (``web_engine``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from kypho.config import Settings
from kypho.store.base import utcnow
from kypho.store.engine import session_factory, transaction
from kypho.store.models import SignInAttempt
from kypho.web.security.throttle import prune_attempts
from web.conftest import PASSWORD
from web.security.web_security_helpers import sign_in_form

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def _attempts(engine: Engine, ages: dict[str, timedelta], now: datetime) -> None:
    with transaction(session_factory(engine)) as db:
        db.add_all(SignInAttempt(username=name, ip="10.0.0.9", at=now - age, succeeded=False)
                   for name, age in ages.items())  # fmt: skip


def _left(engine: Engine) -> set[str]:
    with session_factory(engine)() as db:
        return set(db.scalars(select(SignInAttempt.username)))


def test_an_attempt_15_minutes_old_goes_one_a_tick_younger_stays(
    web_engine: Engine, web_settings: Settings
) -> None:
    ages = {"day": timedelta(days=1), "edge": timedelta(minutes=15),
            "inside": timedelta(minutes=15) - TICK, "now": timedelta(0)}  # fmt: skip
    _attempts(web_engine, ages, NOW)
    with transaction(session_factory(web_engine)) as db:
        assert prune_attempts(db, web_settings, now=NOW) == 2
    assert _left(web_engine) == {"inside", "now"}


def test_a_longer_lock_out_keeps_attempts_longer(web_engine: Engine, tmp_path) -> None:  # noqa: ANN001
    settings = Settings(data_dir=tmp_path / "d", secret_key="test-secret-" + "x" * 32,
                        sign_in_lockout_minutes=30)  # fmt: skip
    ages = {"20 min": timedelta(minutes=20), "edge": timedelta(minutes=30),
            "inside": timedelta(minutes=30) - TICK}  # fmt: skip
    _attempts(web_engine, ages, NOW)
    with transaction(session_factory(web_engine)) as db:
        assert prune_attempts(db, settings, now=NOW) == 1
    assert _left(web_engine) == {"20 min", "inside"}


def test_a_sign_in_prunes_the_old_attempts(client, users, web_engine: Engine) -> None:  # noqa: ANN001
    users.make("physician", username="doc")
    _attempts(web_engine, {"old": timedelta(hours=2), "recent": timedelta(minutes=5)}, utcnow())
    assert sign_in_form(client, "doc", PASSWORD).status_code == 303
    assert _left(web_engine) == {"recent", "doc"}
