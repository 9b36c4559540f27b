"""A real bot process killed with SIGKILL in the middle of a fan-out loses nothing on restart."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import to_iso
from bot.domain.series import parse_series
from sandbox import SandboxClient, SandboxConfig, SandboxServer
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from tests.conftest import TOKEN

PARTICIPANTS = 240


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
        await client.add_user(70_000 + i, first_name=f"P{i}")
        await store.create(
            70_000 + i,
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


async def start_bot(tmp_path: Path, api_base_url: str) -> asyncio.subprocess.Process:
    """Run `python -m bot run` against the sandbox."""
    env = dict(
        os.environ,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api_base_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        SERIES_FILE=str(tmp_path / "series.toml"),
        LOG_LEVEL="INFO",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def reminders_received(client: SandboxClient) -> list[int]:
    """How many reminders each participant got."""
    counts = []
    for i in range(PARTICIPANTS):
        transcript = await client.transcript(70_000 + i)
        counts.append(sum(1 for m in transcript if m["from_bot"]))
    return counts


async def sending_rows(path: Path) -> int:
    """Outbox rows left 'sending' (in flight when the bot stopped)."""
    db = Database(path)
    await db.open()
    try:
        row = await db.fetchone("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sending'")
        return int(row["n"])
    finally:
        await db.close()


async def wait_for_sends(client: SandboxClient, count: int) -> None:
    """Wait until the sandbox has accepted `count` messages (a fan-out is under way)."""
    for _ in range(600):
        if (await client.stats())["messages_sent"] >= count:
            return
        await asyncio.sleep(0.02)


async def resume_and_check(
    tmp_path: Path,
    client: SandboxClient,
    in_flight: int,
    restart: Callable[[], Awaitable[asyncio.subprocess.Process]],
) -> None:
    """Restart the bot, let it finish the fan-out, and check nothing was lost or doubled
    beyond the rows that were in flight when it stopped."""
    second = await restart()
    try:
        for _ in range(1500):
            if min(await reminders_received(client)) >= 1:
                break
            await asyncio.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0
    counts = await reminders_received(client)
    assert min(counts) == 1, "every participant got the reminder"
    # only the messages in flight at the moment of the stop can go twice
    assert sum(counts) - PARTICIPANTS <= in_flight, (sum(counts) - PARTICIPANTS, in_flight)
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    rows = await db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    await db.close()
    assert {r["status"]: r["n"] for r in rows} == {"sent": PARTICIPANTS}


async def test_sigkill_during_fan_out_loses_nothing(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig(latency=0.05))
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            text = series_text(datetime.now(UTC) + timedelta(minutes=59))
            (tmp_path / "series.toml").write_text(text)  # noqa: ASYNC240 - a tiny test file
            await seed(tmp_path / "bot.sqlite3", text, client)

            first = await start_bot(tmp_path, server.api_base_url)
            await wait_for_sends(client, PARTICIPANTS // 3)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            before = sum(await reminders_received(client))
            assert 0 < before < PARTICIPANTS, "the kill must land in the middle of the fan-out"
            in_flight = await sending_rows(tmp_path / "bot.sqlite3")
            await resume_and_check(
                tmp_path, client, in_flight, lambda: start_bot(tmp_path, server.api_base_url)
            )
    finally:
        await server.stop()


async def test_sighup_reloads_the_series_and_sends_change_notices(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig())
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
            text = series_text(start)
            (tmp_path / "series.toml").write_text(text)  # noqa: ASYNC240 - a tiny test file
            await seed(tmp_path / "bot.sqlite3", text, client)
            process = await start_bot(tmp_path, server.api_base_url)
            try:
                for _ in range(300):
                    if (await client.stats())["requests"].get("getupdates"):
                        break
                    await asyncio.sleep(0.05)
                moved = series_text(start + timedelta(hours=1)).replace(
                    "join/crash", "join/new-room"
                )
                (tmp_path / "series.toml").write_text(moved)  # noqa: ASYNC240
                process.send_signal(signal.SIGHUP)
                for _ in range(300):
                    if (await client.stats())["messages_sent"] >= PARTICIPANTS:
                        break
                    await asyncio.sleep(0.05)
                notice = [m for m in await client.transcript(70_000) if m["from_bot"]]
                assert len(notice) == 1 and "join/new-room" in notice[0]["text"]
                assert "Change to Crash test webinar" in notice[0]["text"]
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
            assert process.returncode == 0
    finally:
        await server.stop()
