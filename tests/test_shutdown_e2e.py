"""SIGTERM during a fan-out loses nothing; a second SIGTERM exits at once; webhook mode too."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
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
from tests.support.settings import free_port
from tests.support.users import SimUser


@pytest.mark.slow
async def test_sigterm_during_fan_out_loses_nothing(tmp_path: Path) -> None:
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
            first.send_signal(signal.SIGTERM)
            await asyncio.wait_for(first.wait(), 60)
            await log.task
            assert first.returncode == 0, "".join(log.lines)[-3000:]
            assert any("SIGTERM: stopping" in line for line in log.lines)
            before = sum(await reminders_received(client))
            assert 0 < before < PARTICIPANTS, "the signal must land in the middle of the fan-out"
            in_flight = (await outbox_counts(tmp_path / "bot.sqlite3")).get("sending", 0)
            await resume_and_check(
                tmp_path, client, in_flight, lambda: start_bot(tmp_path, server.api_base_url)
            )
    finally:
        await server.stop()


@pytest.mark.slow
async def test_a_second_sigterm_exits_at_once(tmp_path: Path) -> None:
    # Each request takes 3 s, so the graceful stop waits for the messages in flight.
    server = SandboxServer(SandboxConfig(latency=3.0))
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            text = series_text(datetime.now(UTC) + timedelta(minutes=59))
            (tmp_path / "series.toml").write_text(text)
            await seed(tmp_path / "bot.sqlite3", text, client)
            process = await start_bot(tmp_path, server.api_base_url)
            log = Stderr(process)
            await log.wait_for("outbox batch:", 60)
            process.send_signal(signal.SIGTERM)
            await log.wait_for("stopping: no new updates")
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
            await log.task
            assert process.returncode == 128 + signal.SIGTERM, "".join(log.lines)[-3000:]
            assert any("exiting at once" in line for line in log.lines)
            assert not any("Traceback" in line for line in log.lines)
    finally:
        await server.stop()


@pytest.mark.slow
async def test_webhook_mode_as_a_process(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig())
    await server.start()
    port = free_port()
    try:
        async with SandboxClient(server.url) as client:
            (tmp_path / "series.toml").write_text(
                series_text(datetime.now(UTC) + timedelta(days=3))
            )
            process = await start_bot(
                tmp_path,
                server.api_base_url,
                WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                WEBHOOK_SECRET="process-secret",
                WEBHOOK_PORT=str(port),
            )
            log = Stderr(process)
            try:
                await log.wait_for("webhook set", 60)
                user = await SimUser(client, 88, timeout=30).join()
                await user.say("/start")
                await user.expect("choose your language")
                async with httpx.AsyncClient(timeout=10) as http:
                    health = await http.get(f"http://127.0.0.1:{port}/healthz")
                assert health.status_code == 200 and health.json()["mode"] == "webhook"
                assert (await client.stats())["webhook_deliveries"] >= 1
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
                await log.task
            assert process.returncode == 0, "".join(log.lines)[-3000:]
            assert not any("Traceback" in line for line in log.lines)
    finally:
        await server.stop()
