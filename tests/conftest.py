"""Fixtures: a sandbox Bot API server and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.domain.series import Series, parse_series
from bot.services import SERVICES_KEY, Services
from sandbox import SandboxClient, SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHsandboxTokenForTestsOnly_0123456789"
START = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)


def example_series(registration_code: str = "") -> Series:
    """The shipped example series, optionally with a registration code."""
    text = (ROOT / "series.example.toml").read_text()
    if registration_code:
        text = text.replace('registration_code = ""', f'registration_code = "{registration_code}"')
    return parse_series(text)


def settings_for(tmp_path: Path, api_base_url: str) -> Settings:
    """Settings for a bot talking to the sandbox with its database in tmp_path."""
    return load_settings(
        environ={
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "ADMIN_IDS": "1000",
            "LOG_LEVEL": "DEBUG",
        },
        env_file=None,
    )


@dataclass
class RunningBot:
    """The bot under test and what it is built from."""

    application: Application
    clock: ManualClock

    @property
    def services(self) -> Services:
        """The bot's services (database, texts, series...)."""
        return self.application.bot_data[SERVICES_KEY]


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """A sandbox Bot API server on a free loopback port."""
    server = SandboxServer(SandboxConfig())
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    """A control-API client for the sandbox."""
    async with SandboxClient(sandbox.url) as control:
        yield control


@pytest.fixture
def registration_code() -> str:
    """The series' registration code (none unless a test overrides this fixture)."""
    return ""


@pytest.fixture
async def bot(
    sandbox: SandboxServer, tmp_path: Path, registration_code: str
) -> AsyncIterator[RunningBot]:
    """The real bot application polling the sandbox."""
    clock = ManualClock(START)
    application = build_application(
        settings_for(tmp_path, sandbox.api_base_url),
        example_series(registration_code),
        TOKEN,
        clock=clock,
    )
    await start_polling(application, poll_timeout=1)
    yield RunningBot(application, clock)
    await stop_polling(application)
