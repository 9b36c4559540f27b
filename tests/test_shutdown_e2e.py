"""SIGTERM during a fan-out loses nothing; a second SIGTERM exits at once; webhook mode too."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from sandbox import SandboxClient, SandboxConfig, SandboxServer
from tests.conftest import TOKEN
from tests.e2e import SimUser
from tests.test_crash_e2e import (
    PARTICIPANTS,
    reminders_received,
    resume_and_check,
    seed,
    sending_rows,
    series_text,
    wait_for_sends,
)
from tests.test_webhook import free_port


async def start_bot(
    tmp_path: Path, api_base_url: str, **settings: str
) -> asyncio.subprocess.Process:
    """Run `python -m bot run` against the sandbox, its stderr piped."""
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
        self.lines: list[str] = []
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._read(process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            self.lines.append(line.decode(errors="replace"))
            self.changed.set()

    async def wait_for(self, fragment: str, timeout: float = 30.0) -> None:
        """Wait until a line contains `fragment`."""

        async def look() -> None:
            while not any(fragment in line for line in self.lines):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(look(), timeout)


async def test_sigterm_during_fan_out_loses_nothing(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig(latency=0.05))
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            text = series_text(datetime.now(UTC) + timedelta(minutes=59))
            (tmp_path / "series.toml").write_text(text)  # noqa: ASYNC240 - a tiny test file
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
            in_flight = await sending_rows(tmp_path / "bot.sqlite3")
            await resume_and_check(
                tmp_path, client, in_flight, lambda: start_bot(tmp_path, server.api_base_url)
            )
    finally:
        await server.stop()


async def test_a_second_sigterm_exits_at_once(tmp_path: Path) -> None:
    # Each request takes 3 s, so the graceful stop waits for the messages in flight.
    server = SandboxServer(SandboxConfig(latency=3.0))
    await server.start()
    try:
        async with SandboxClient(server.url) as client:
            text = series_text(datetime.now(UTC) + timedelta(minutes=59))
            (tmp_path / "series.toml").write_text(text)  # noqa: ASYNC240 - a tiny test file
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


async def test_webhook_mode_as_a_process(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig())
    await server.start()
    port = free_port()
    try:
        async with SandboxClient(server.url) as client:
            (tmp_path / "series.toml").write_text(  # noqa: ASYNC240 - a tiny test file
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
