"""The bot in webhook mode against the sandbox, and updates posted as Telegram posts them."""

from __future__ import annotations

import dataclasses
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from bot.app import build_application, stop_polling
from bot.clock import ManualClock
from bot.runtime.serve import start_webhook
from bot.runtime.webhook_server import BotServer
from tests.support.bots import RunningBot
from tests.support.settings import START, TOKEN, example_series, free_port, settings_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from sandbox import SandboxServer

SECRET = "s3cret_Webhook-token"


@dataclasses.dataclass
class WebhookBot:
    """The bot in webhook mode and its server."""

    bot: RunningBot
    server: BotServer

    @property
    def url(self) -> str:
        """The webhook URL."""
        return f"http://127.0.0.1:{self.server.port}{self.server.path}"


@asynccontextmanager
async def webhook_bot_running(
    sandbox: SandboxServer, tmp_path: Path, monotonic: Callable[[], float] = time.monotonic
) -> AsyncIterator[WebhookBot]:
    """The real bot in webhook mode, on a free port, against the sandbox.

    `monotonic` is the server's clock for its rate-limited log lines.
    """
    port = free_port()
    settings = dataclasses.replace(
        settings_for(tmp_path, sandbox.api_base_url),
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret=SECRET,
    )
    clock = ManualClock(START)
    application = build_application(settings, example_series(), TOKEN, clock=clock)
    server = BotServer(application, settings, webhook=True, port=port, monotonic=monotonic)
    await start_webhook(application, server)
    try:
        yield WebhookBot(RunningBot(application, clock), server)
    finally:
        await server.stop()
        await stop_polling(application)


def update_json(update_id: int, user_id: int = 777, text: str = "/help") -> dict[str, Any]:
    """A message update as Telegram would post it."""
    user = {"id": user_id, "is_bot": False, "first_name": "Direct", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": {"id": user_id, "type": "private"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }
