"""Running the bot's command line as a subprocess, and the databases its commands work on."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import to_iso
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from tests.support.settings import START, cli_env, example_series

if TYPE_CHECKING:
    from pathlib import Path

YESTERDAY = START - timedelta(days=1)


def run_cli(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ...` to completion with stdin closed, returning its outcome."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=cli_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


async def make_database(path: Path, participants: int = 3, padding: int = 0) -> None:
    """A migrated database with some participants (padding makes their rows bigger)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    await db.open()
    series = example_series()
    await ScheduleStore(db).sync(series.webinars, YESTERDAY)
    store = ParticipantStore(db)
    for i in range(participants):
        await store.create(
            10_000 + i,
            {
                "language": "en",
                "full_name": f"Person {i}" + "x" * padding,
                "country": "TT",
                "timezone": "America/Port_of_Spain",
                "institution": "customs",
                "position": "Officer",
                "sex": "woman",
                "email": f"p{i}@example.org",
                "webinars": [series.webinars[0].id],
                "consent_at": to_iso(YESTERDAY),
                "consent_version": "test",
            },
            YESTERDAY,
        )
    await db.close()
