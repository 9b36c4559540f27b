"""Run the bot on this machine against the sandbox Bot API, for trying it without a token."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from typing import TYPE_CHECKING

from bot.app import build_application, start_polling, stop_polling
from bot.runtime.backup import DatabaseLock
from sandbox import SandboxConfig, SandboxServer

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.domain.series import Series

log = logging.getLogger(__name__)

# Any well-formed token works with the sandbox; this one can never reach Telegram.
SANDBOX_TOKEN = "1000000001:LOCAL-sandbox-token-not-valid-on-telegram"  # noqa: S105 - the sandbox accepts any token


def sandbox_settings(settings: Settings) -> Settings:
    """The same settings, but with a database of its own beside the production one."""
    database = settings.database_path.with_name("sandbox-" + settings.database_path.name)
    return dataclasses.replace(settings, database_path=database)


async def run_on_sandbox(settings: Settings, series: Series, host: str, port: int) -> None:
    """Hold the sandbox database's run lock, then serve on the sandbox until stopped.

    Raises OpsError when another bot runs on the same database file.
    """
    with DatabaseLock(sandbox_settings(settings).database_path):
        await _serve_on_sandbox(settings, series, host, port)


async def _serve_on_sandbox(settings: Settings, series: Series, host: str, port: int) -> None:
    """Start the sandbox and the bot against it; stop both on SIGINT or SIGTERM."""
    server = SandboxServer(SandboxConfig())
    await server.start(host, port)
    local = dataclasses.replace(
        sandbox_settings(settings), telegram_api_base_url=server.api_base_url
    )
    application = build_application(local, series, SANDBOX_TOKEN)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await start_polling(application)
        print(f"webinar-bot is running on the local sandbox Bot API at {server.url}", flush=True)
        print(f"  database: {local.database_path}", flush=True)
        print(
            f"  talk to it as a participant: see README, 'Trying it without a token'; "
            f"control API at {server.url}/control",
            flush=True,
        )
        await stop.wait()
    finally:
        log.info("stopping")
        await stop_polling(application)
        await server.stop()
