"""Fixtures: a sandbox Bot API server and the real bot running against it.

Every fixture takes its own free port and its own tmp_path, so tests run in parallel
(pytest-xdist) without sharing a server or a database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from sandbox import SandboxClient, SandboxConfig, SandboxServer
from tests.support.bots import RunningBot
from tests.support.settings import START, TOKEN, example_series, settings_for


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


E2E_FIXTURES = frozenset({"bot", "sandbox", "client", "webhook_bot", "demo"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `e2e` every test that talks to a sandbox (by its fixtures or its module's name)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & E2E_FIXTURES or item.path.name.endswith("_e2e.py"):
            item.add_marker(pytest.mark.e2e)
