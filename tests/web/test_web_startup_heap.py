"""The app freezes its start-up heap once per process (``freeze_startup_heap``).

Run in a fresh interpreter, so that nothing else in the test session has frozen first:
before the app starts nothing is frozen; after its start-up (the lifespan, as Uvicorn
runs it) the modules, routes and policies are (well over 50,000 objects: the clinic app
imports numpy, SQLAlchemy, FastAPI and Jinja); a second app in the same process freezes
nothing more (the count may fall by a few frozen objects that die meanwhile), so a
process that builds many apps keeps none of their garbage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, json, sys
from pathlib import Path
from fastapi.testclient import TestClient
from kypho.config import Settings
from kypho.store.engine import make_engine
from kypho.store.schema import upgrade
from kypho.web.app import create_app

folder = Path(sys.argv[1])
engine = make_engine(f"sqlite:///{folder / 'kypho.db'}")
upgrade(engine)
settings = Settings(data_dir=folder / "data", secret_key="test-secret-" + "x" * 32)
counts = [gc.get_freeze_count()]
for _ in range(2):
    with TestClient(create_app(settings, engine=engine)) as client:
        assert client.get("/health").status_code == 200
    counts.append(gc.get_freeze_count())
print(json.dumps(counts))
"""


def test_the_startup_heap_is_frozen_once_per_process(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    before, first, second = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == 0
    assert first > 50_000
    # A second freeze would add the whole second app (tens of thousands of objects); a
    # frozen object that dies since leaves the count, so it may fall by a few (CI saw 4).
    assert second <= first
