"""Webhook delivery: while a webhook is set, POST each queued update to it, as Telegram does.

One update at a time, in order, with the secret header when one was set. A failed delivery
(connection refused, timeout, a non-2xx answer) keeps the update and retries it after a short
backoff. Only loopback URLs are delivered to; other updates simply wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from sandbox.addresses import is_loopback

if TYPE_CHECKING:
    from sandbox.core import SandboxCore

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 2.0
REQUEST_TIMEOUT = 10.0


def deliverable(url: str) -> bool:
    """Whether the sandbox may post to this URL (http(s) on a loopback host)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and is_loopback(parts.hostname or "")


class WebhookDeliverer:
    """The background task that drains the update queue into the webhook."""

    def __init__(self, core: SandboxCore) -> None:
        """Bind to a core (its state may be replaced by reset; it is read afresh each time)."""
        self.core = core
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """Start delivering in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        """Stop delivering (an update being posted stays queued)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _ready(self) -> bool:
        """Whether there is an update to post to a deliverable webhook."""
        state = self.core.state
        return bool(state.webhook_url and state.updates and deliverable(state.webhook_url))

    def _moved_on(self, state: object) -> bool:
        """Whether a wait should end: ready to deliver, `state` replaced, or stopping."""
        return self._ready() or self.core.state is not state or self.core.stopping

    async def _run(self) -> None:
        """Deliver until stopped."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        backoff = FIRST_BACKOFF
        while not self.core.stopping:
            state = self.core.state
            if not self._ready():
                await state.updates_changed.wait_until(
                    functools.partial(self._moved_on, state), 1.0
                )
                continue
            url, secret = state.webhook_url, state.webhook_secret
            update = state.updates[0]
            if await self._post(url, secret, update):
                backoff = FIRST_BACKOFF
                if state.updates and state.updates[0] is update:
                    state.updates.pop(0)
                self.core.stats.webhook_deliveries += 1
            else:
                self.core.stats.webhook_failures += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _post(self, url: str, secret: str | None, update: dict[str, object]) -> bool:
        """POST one update; True when the bot answered 2xx."""
        assert self._session is not None
        headers = {SECRET_HEADER: secret} if secret else {}
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                await response.read()
                return 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.debug("webhook delivery to %s failed: %s", url, exc)
            return False
