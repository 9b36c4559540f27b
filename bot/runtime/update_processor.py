"""Process updates concurrently, but one at a time for each user."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.runtime.logs import log_update


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Runs different users' updates side by side and each user's in arrival order.

    A user's double tap or two quick messages then never race on the same conversation row.
    """

    def __init__(
        self, max_concurrent_updates: int = 256, timings: list[float] | None = None
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self.timings = timings  # when a list is given, each update's handling time is added

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's handling under its user's lock."""
        key = _user_key(update)
        if key is None:
            await self._timed(update, coroutine)
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._timed(update, coroutine)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _timed(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers (logging one line), recording how long they took when kept."""
        if self.timings is None:
            await log_update(update, coroutine)
            return
        started = time.perf_counter()
        try:
            await log_update(update, coroutine)
        finally:
            self.timings.append(time.perf_counter() - started)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _user_key(update: object) -> int | None:
    """The id that orders an update: its user, else its chat."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None
