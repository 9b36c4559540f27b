"""The bot as a real process: `python -m bot ...` commands, and `run` against a sandbox."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import to_iso
from bot.domain.series import parse_series
from storage.database import Database
from storage.outbox import OutboxStore
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from tests.support.settings import TOKEN
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from sandbox import SandboxClient

PARTICIPANTS = 240
FIRST_ID = 70_000


def series_text(starts_at: datetime) -> str:
    """A one-webinar series whose 1-hour reminder is due now."""
    return f"""
[series]
title = "Crash test series"
organizer = "UN regional centre"
timezone = "America/Port_of_Spain"
reminders = ["1h"]
feedback_after = "15m"

[[webinars]]
id = "crash-test"
title = "Crash test webinar"
starts_at = {starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
duration = "2h"
join_url = "https://example.org/join/crash"
topics = ["Resilience"]
"""


async def seed(path: Path, series_text_: str, client: SandboxClient) -> None:
    """Create the database with registrants who registered yesterday."""
    series = parse_series(series_text_)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    db = Database(path)
    await db.open()
    await ScheduleStore(db).sync(series.webinars, yesterday)
    store = ParticipantStore(db)
    for i in range(PARTICIPANTS):
        await client.add_user(FIRST_ID + i, first_name=f"P{i}")
        await store.create(
            FIRST_ID + i,
            {
                "language": "en",
                "full_name": f"P {i}",
                "country": "TT",
                "timezone": "America/Port_of_Spain",
                "institution": "customs",
                "position": "Officer",
                "sex": "woman",
                "email": None,
                "webinars": ["crash-test"],
                "consent_at": to_iso(yesterday),
                "consent_version": "test",
            },
            yesterday,
        )
    await db.close()


async def start_bot(
    tmp_path: Path, api_base_url: str, **settings: str
) -> asyncio.subprocess.Process:
    """Run `python -m bot run` against the sandbox, its stderr piped (read it with Stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK", "HEALTH"))}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api_base_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        SERIES_FILE=str(tmp_path / "series.toml"),
        LOG_LEVEL="INFO",
        **settings,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


class Stderr:
    """Reads a process's stderr in the background (so the pipe never fills)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Start reading `process`'s stderr."""
        self.lines: list[str] = []
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._read(process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        """Collect lines until the pipe closes."""
        assert process.stderr is not None
        while line := await process.stderr.readline():
            self.lines.append(line.decode(errors="replace"))
            self.changed.set()

    async def wait_for(self, fragment: str, timeout: float = 30.0) -> None:
        """Wait until a line contains `fragment`; TimeoutError names it and shows the tail."""

        async def look() -> None:
            while not any(fragment in line for line in self.lines):
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(look(), timeout)
        except TimeoutError as exc:
            tail = "".join(self.lines)[-2000:]
            raise TimeoutError(f"no log line with {fragment!r} in {timeout}s:\n{tail}") from exc


async def reminders_received(client: SandboxClient) -> list[int]:
    """How many messages each seeded participant got."""
    counts = []
    for i in range(PARTICIPANTS):
        transcript = await client.transcript(FIRST_ID + i)
        counts.append(sum(1 for m in transcript if m["from_bot"]))
    return counts


async def outbox_counts(path: Path) -> dict[str, int]:
    """Outbox rows per status in the database at `path`, through the storage API."""
    db = Database(path)
    await db.open()
    try:
        return dict(await OutboxStore(db).counts())
    finally:
        await db.close()


async def wait_for_sends(client: SandboxClient, count: int, timeout: float = 30.0) -> None:
    """Wait until the sandbox has accepted `count` messages (a fan-out is under way)."""

    async def sent() -> bool:
        return int((await client.stats())["messages_sent"]) >= count

    await eventually(sent, timeout, f"the sandbox accepted {count} messages")


async def resume_and_check(
    tmp_path: Path,
    client: SandboxClient,
    in_flight: int,
    restart: Callable[[], Awaitable[asyncio.subprocess.Process]],
) -> None:
    """Restart the bot, let it finish the fan-out, and check nothing was lost or doubled
    beyond the rows that were in flight when it stopped."""
    second = await restart()
    log = Stderr(second)
    try:

        async def everyone_reminded() -> bool:
            return min(await reminders_received(client)) >= 1

        await eventually(everyone_reminded, 90, "every participant got the reminder")
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 60)
        await log.task
    assert second.returncode == 0, "".join(log.lines)[-3000:]
    counts = await reminders_received(client)
    # only the messages in flight at the moment of the stop can go twice
    assert sum(counts) - PARTICIPANTS <= in_flight, (sum(counts) - PARTICIPANTS, in_flight)
    assert await outbox_counts(tmp_path / "bot.sqlite3") == {"sent": PARTICIPANTS}
