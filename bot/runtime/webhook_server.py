"""Webhook mode: a small aiohttp server that checks Telegram's secret in constant time.

python-telegram-bot's own webhook server compares the secret with `!=`; this one uses
`hmac.compare_digest`. The same server answers GET /healthz and, when CALENDAR_URL is set, the
participants' calendar feeds (read-only GET); in polling mode it runs with only those routes
(on HEALTH_PORT, else WEBHOOK_PORT).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.clock import to_iso
from bot.config import ConfigError, Settings
from bot.runtime.calendar_feed import feed_handler, feed_path
from bot.runtime.health import healthz_handler
from bot.services import SERVICES_KEY, Services
from storage.received_updates import ReceivedUpdateStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
MAX_UPDATE_BYTES = 1024 * 1024
# Telegram's updates nest about ten levels; anything far deeper is not an update.
MAX_JSON_DEPTH = 64
# Refused requests (wrong secret) are logged at most this often, with a count.
REFUSAL_LOG_SECONDS = 60.0


def webhook_mode(settings: Settings, forced: bool = False) -> bool:
    """Whether the bot should run by webhook (`run --webhook`, or WEBHOOK_URL set)."""
    return forced or bool(settings.webhook_url)


def check_webhook_settings(settings: Settings) -> None:
    """Raise ConfigError (one line) unless webhook mode has what it needs."""
    if not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL: not set; webhook mode needs the public https URL")
    if not settings.webhook_secret:
        raise ConfigError(
            "WEBHOOK_SECRET: required in webhook mode (1-256 characters of A-Z, a-z, 0-9, _ or -)"
        )


def json_depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _secret_matches(given: str | None, expected: str) -> bool:
    """Compare the request's secret with ours in constant time."""
    given_bytes = (given or "").encode("utf-8", "surrogateescape")
    return hmac.compare_digest(given_bytes, expected.encode("utf-8"))


class BotServer:
    """Serves the webhook (when enabled) and GET /healthz on WEBHOOK_LISTEN."""

    def __init__(
        self,
        application: Application,
        settings: Settings,
        webhook: bool,
        port: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare; `port` overrides WEBHOOK_PORT (0 picks a free port)."""
        if webhook:
            check_webhook_settings(settings)
        self.application = application
        self.settings = settings
        self.webhook = webhook
        self.host = settings.webhook_listen
        self.port = settings.webhook_port if port is None else port
        self.path = (urlsplit(settings.webhook_url or "").path or "/") if webhook else ""
        self.accepting = False
        self.received = 0
        self.duplicates = 0
        self._monotonic = monotonic
        self._refused = 0
        self._refusal_logged_at: float | None = None
        self._runner: web.AppRunner | None = None

    @property
    def mode(self) -> str:
        """'webhook' or 'polling'."""
        return "webhook" if self.webhook else "polling"

    def receiving(self) -> bool:
        """Whether updates are coming in (the webhook server, or the long-polling updater)."""
        if self.webhook:
            return self.accepting
        updater = self.application.updater
        return bool(updater is not None and updater.running)

    def make_app(self) -> web.Application:
        """The aiohttp application with its routes."""
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_get("/healthz", healthz_handler(self.application, self.mode, self.receiving))
        if self.settings.calendar_url:
            app.router.add_get(
                feed_path(self.settings.calendar_url), feed_handler(self.application)
            )
        if self.webhook:
            app.router.add_post(self.path, self._receive)
        return app

    async def start(self) -> None:
        """Listen, then (in webhook mode) tell Telegram where to post updates."""
        runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.accepting = self.webhook
        log.info("%s server listening on %s:%d", self.mode, self.host, self.port)
        if self.webhook:
            assert self.settings.webhook_url is not None
            await self.application.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("webhook set; Telegram posts updates to %s", self.path)

    async def stop(self) -> None:
        """Refuse new updates and stop listening (Telegram keeps undelivered ones and retries)."""
        self.accepting = False
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        """POST from Telegram: secret, JSON, Update, then the application's update queue."""
        if not _secret_matches(
            request.headers.get(SECRET_HEADER), self.settings.webhook_secret or ""
        ):
            self._log_refusal()
            return web.Response(status=403, text="forbidden")
        if not self.accepting:
            return web.Response(status=503, text="stopping")
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="the body is not JSON")
        except RecursionError:
            return web.Response(status=400, text="the body nests too deeply")
        if json_depth(data) > MAX_JSON_DEPTH:
            return web.Response(status=400, text="the body nests too deeply")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="the body is not an Update")
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:
            log.warning("webhook request refused: malformed update")
            return web.Response(status=400, text="malformed Update")
        services: Services = self.application.bot_data[SERVICES_KEY]
        received = ReceivedUpdateStore(services.db)
        if not await received.first_time(update.update_id, to_iso(services.clock.now())):
            self.duplicates += 1
            return web.Response(text="ok (already received)")
        await self.application.update_queue.put(update)
        self.received += 1
        return web.Response(text="ok")

    def _log_refusal(self) -> None:
        """Count a refused request; log one line a minute at most, with the count since."""
        self._refused += 1
        now = self._monotonic()
        last = self._refusal_logged_at
        if last is not None and now - last < REFUSAL_LOG_SECONDS:
            return
        log.warning(
            "webhook requests refused: wrong or missing secret token (%d since the last report)",
            self._refused,
        )
        self._refused = 0
        self._refusal_logged_at = now
