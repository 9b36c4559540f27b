"""Run the bot until SIGTERM or SIGINT, by long polling or webhook, and stop it gracefully.

First signal: stop taking updates, finish the updates being handled, let the outbox finish or
leave its rows in flight for the next start (OutboxSender.stop), close the database.
A second signal while that goes on exits at once with os._exit(128 + signal number).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING

from bot.app import start_polling, stop_polling
from bot.runtime.backup import DatabaseLock
from bot.runtime.webhook_server import BotServer

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.config import Settings

log = logging.getLogger("bot")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _install_signals(stop: asyncio.Event) -> None:
    """First signal sets `stop`; a second one ends the process at once."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s again: exiting at once", name)
            sys.stderr.flush()
            os._exit(128 + signum)
        log.info("%s: stopping (send it again to exit at once)", name)
        stop.set()

    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, on_signal, signum)


async def start_webhook(application: Application, server: BotServer) -> None:
    """Initialise and start the application, then the webhook server (which sets the webhook)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    await server.start()


async def serve(
    application: Application, settings: Settings, webhook: bool, stop: asyncio.Event | None = None
) -> None:
    """Run until `stop` is set (by default: on SIGTERM or SIGINT), then stop gracefully."""
    stop = stop or asyncio.Event()
    _install_signals(stop)
    server: BotServer | None = None
    if webhook or settings.health_port or settings.calendar_url:
        server = BotServer(
            application, settings, webhook, port=None if webhook else settings.health_port
        )
    try:
        if webhook:
            assert server is not None
            log.info("starting in webhook mode for %s", settings.webhook_url)
            await start_webhook(application, server)
        else:
            log.info("starting with long polling against %s", settings.telegram_api_base_url)
            await start_polling(application)
            if server is not None:
                await server.start()
        log.info("running; stop with SIGTERM or Ctrl-C")
        await stop.wait()
    finally:
        log.info("stopping: no new updates; finishing handlers and the outbox")
        if server is not None:
            await server.stop()
        await stop_polling(application)
        log.info("stopped")


def run_bot(application: Application, settings: Settings, webhook: bool) -> int:
    """Hold the database's run lock and serve; the exit code for the command line."""
    lock = DatabaseLock(settings.database_path)
    lock.acquire()
    try:
        asyncio.run(serve(application, settings, webhook))
    finally:
        lock.release()
    return 0
