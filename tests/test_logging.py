"""Logs: no token at any level, one INFO line per update, no personal data at INFO."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.logs import REDACTED, RedactingFilter, install_redaction
from sandbox import SandboxClient, SandboxConfig, SandboxServer
from tests.support.bots import RunningBot
from tests.support.settings import ROOT, TOKEN
from tests.support.users import ENGLISH, SimUser, register
from tests.support.waiting import eventually


class ListHandler(logging.Handler):
    """Keeps every formatted record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, self.format(record)))


@pytest.fixture
def captured() -> Iterator[ListHandler]:
    """A DEBUG handler on the root logger with the redaction filter, httpx at DEBUG too."""
    handler = ListHandler()
    root = logging.getLogger()
    loggers = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore")}
    root.addHandler(handler)
    install_redaction([TOKEN], [handler])
    for name in loggers:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in loggers.items():
        logging.getLogger(name).setLevel(level)


def test_filter_redacts_message_args_and_traceback() -> None:
    redactor = RedactingFilter([TOKEN])
    try:
        raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "calling %s with %r",
            (f"/bot{TOKEN}/sendMessage", {"t": TOKEN}),
            sys.exc_info(),
        )
    assert redactor.filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    assert f"/bot{REDACTED}/sendMessage" in text and "RuntimeError" in text
    other = "987654321:" + "Z" * 35  # any token-shaped string goes too
    assert RedactingFilter().redact(f"url bot{other}/x") == f"url {REDACTED}/x"


async def test_a_full_registration_logs_no_token_and_no_personal_data(
    bot: RunningBot, client: SandboxClient, captured: ListHandler
) -> None:
    user = await SimUser(client, 4242).join()
    await register(user)

    def logged_updates() -> bool:
        presses = [line for _, line in captured.lines if " callback_query handler=" in line]
        return len(presses) >= 7  # language, state, institution, sex, done, consent, confirm

    await eventually(logged_updates, 5, "every button press of the registration logged")
    text = "\n".join(line for _, line in captured.lines)
    assert captured.lines and REDACTED in text, "httpx's request lines went through the filter"
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    info = [line for level, line in captured.lines if level >= logging.INFO]
    updates = [line for line in info if "bot.runtime.update_processor: update " in line]
    assert any(
        " command handler=" in line and "registration.start" in line and line.endswith(" ok")
        for line in updates
    ), updates
    assert any(" callback_query handler=" in line for line in updates)
    assert any(" message handler=" in line for line in updates)
    for secret in (ENGLISH["name"], ENGLISH["email"], ENGLISH["position"]):
        assert not [line for line in info if secret in line], secret


async def test_an_update_whose_handler_fails_is_logged_as_an_error(
    bot: RunningBot,
    client: SandboxClient,
    captured: ListHandler,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.services.participants, "get", broken)
    user = await SimUser(client, 4343).join()
    await user.say("/help")
    await user.next_message()

    def failed_update() -> list[str]:
        return [
            line
            for _, line in captured.lines
            if "bot.runtime.update_processor: update " in line
            and " command " in line
            and line.endswith(" error")
        ]

    await eventually(failed_update, 5, "the failed /help update logged as an error")


@pytest.mark.slow
async def test_the_bot_process_at_debug_never_prints_the_token(tmp_path: Path) -> None:
    server = SandboxServer(SandboxConfig())
    await server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK", "HEALTH"))}
        env.update(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=server.api_base_url,
            DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
            LOG_LEVEL="DEBUG",
            SERIES_FILE=str(ROOT / "series.example.toml"),
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        collected: list[bytes] = []

        async def drain() -> None:
            assert process.stderr is not None
            while line := await process.stderr.readline():
                collected.append(line)

        reader = asyncio.create_task(drain())
        try:
            async with SandboxClient(server.url) as client:
                user = await SimUser(client, 77, timeout=30).join()
                await register(user)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
            await reader
        stderr = b"".join(collected).decode()
        assert process.returncode == 0, stderr[-2000:]
        assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
        assert "bot.runtime.update_processor: update " in stderr and "DEBUG" in stderr
        assert "Traceback" not in stderr
    finally:
        await server.stop()
