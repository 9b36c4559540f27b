"""A real bot process killed with SIGKILL in the middle of a fan-out loses nothing on restart."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox import SandboxClient, SandboxConfig, SandboxServer
from tests.support.processes import (
    PARTICIPANTS,
    Stderr,
    outbox_counts,
    reminders_received,
    resume_and_check,
    seed,
    series_text,
    start_bot,
    wait_for_sends,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def test_sigkill_during_fan_out_loses_nothing(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig(latency=0.05))
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            text = series_text(datetime.now(UTC) + timedelta(minutes=59))
            (tmp_path / "series.toml").write_text(text)
            await seed(tmp_path / "bot.sqlite3", text, client)

            first = await start_bot(tmp_path, server.api_base_url)
            log = Stderr(first)
            await wait_for_sends(client, PARTICIPANTS // 3)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            await log.task
            before = sum(await reminders_received(client))
            assert 0 < before < PARTICIPANTS, "the kill must land in the middle of the fan-out"
            in_flight = (await outbox_counts(tmp_path / "bot.sqlite3")).get("sending", 0)
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
            (tmp_path / "series.toml").write_text(text)
            await seed(tmp_path / "bot.sqlite3", text, client)
            process = await start_bot(tmp_path, server.api_base_url)
            log = Stderr(process)
            try:

                async def polling() -> bool:
                    return bool((await client.stats())["requests"].get("getUpdates"))

                await eventually(polling, 30, "the bot polls the sandbox")
                moved = series_text(start + timedelta(hours=1)).replace(
                    "join/crash", "join/new-room"
                )
                (tmp_path / "series.toml").write_text(moved)
                process.send_signal(signal.SIGHUP)
                await wait_for_sends(client, PARTICIPANTS)
                notice = [m for m in await client.transcript(70_000) if m["from_bot"]]
                assert len(notice) == 1 and "join/new-room" in notice[0]["text"]
                assert "Change to Crash test webinar" in notice[0]["text"]
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
                await log.task
            assert process.returncode == 0, "".join(log.lines)[-3000:]
    finally:
        await server.stop()
