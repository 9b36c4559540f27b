"""Process updates concurrently, one at a time for each user, and fairly between users.

Each user has a lane: a lock that keeps their updates in arrival order, a small queue and a
token bucket. An update waiting for its user's turn holds no shared slot, so one user's
backlog never keeps others waiting. An update that arrives while the user's previous ones
are still waiting spends a token; what a user sends beyond their queue or their bucket is
dropped, with at most one "please slow down" reply a minute. Someone who waits for each
answer, however quick, never spends tokens.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.runtime.logs import log_update
from bot.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)

# Per user: updates waiting (the one being handled included), sustained rate and burst.
QUEUE_PER_USER = 20
UPDATES_PER_SECOND = 5.0
BURST_PER_USER = 10
# At most one "please slow down" reply (and one log line) per user in this many seconds.
SLOW_DOWN_EVERY = 60.0
# Idle lanes are swept once there are more than this many.
LANES_KEPT = 1000

SlowDown = Callable[[Update], Awaitable[None]]


@dataclass
class UserLane:
    """One user's order lock, queue length and token bucket."""

    tokens: float
    refilled_at: float
    waiting: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    warned_at: float | None = None
    dropped: int = 0

    def refill(self, now: float, rate: float, burst: int) -> None:
        """Add the tokens earned since the last refill, up to the burst."""
        self.tokens = min(float(burst), self.tokens + (now - self.refilled_at) * rate)
        self.refilled_at = now


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Runs different users' updates side by side and each user's in arrival order.

    A user's double tap or two quick messages then never race on the same conversation row,
    and a user who floods the bot only fills their own queue.
    """

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        timings: list[float] | None = None,
        *,
        queue_per_user: int = QUEUE_PER_USER,
        rate: float = UPDATES_PER_SECOND,
        burst: int = BURST_PER_USER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Limits per user as given; `timings`, when a list, receives each handling time."""
        super().__init__(max_concurrent_updates)
        self.lanes: dict[int, UserLane] = {}
        self.timings = timings
        self.queue_per_user = queue_per_user
        self.rate = rate
        self.burst = burst
        self.dropped = 0
        self.on_dropped: SlowDown | None = None
        self._monotonic = monotonic

    async def process_update(  # type: ignore[misc]  # PTB marks it final; the lanes replace its semaphore
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        """Admit the update into its user's lane (or drop it), then handle it in turn."""
        key = _user_key(update)
        if key is None:
            await self.do_process_update(update, coroutine)
            return
        now = self._monotonic()
        lane = self._lane(key, now)
        lane.refill(now, self.rate, self.burst)
        if lane.waiting:  # only a backlog spends tokens: one who waits for replies never does
            if lane.waiting >= self.queue_per_user or lane.tokens < 1:
                _discard(coroutine)
                await self._drop(lane, update, now)
                return
            lane.tokens -= 1
        await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the user's turn (holding no shared slot), then take a slot and handle."""
        key = _user_key(update)
        if key is None:
            async with self._semaphore:
                await self._timed(update, coroutine)
            return
        lane = self._lane(key, self._monotonic())
        lane.waiting += 1
        try:
            async with lane.lock, self._semaphore:
                await self._timed(update, coroutine)
        finally:
            lane.waiting -= 1

    def _lane(self, key: int, now: float) -> UserLane:
        """The user's lane, made with a full bucket when missing."""
        lane = self.lanes.get(key)
        if lane is None:
            if len(self.lanes) >= LANES_KEPT:
                self._sweep(now)
            lane = self.lanes[key] = UserLane(tokens=float(self.burst), refilled_at=now)
        return lane

    def _sweep(self, now: float) -> None:
        """Forget lanes that are idle, full again and not within a slow-down minute."""
        for key, lane in list(self.lanes.items()):
            lane.refill(now, self.rate, self.burst)
            recently_warned = lane.warned_at is not None and now - lane.warned_at < SLOW_DOWN_EVERY
            if lane.waiting == 0 and lane.tokens >= self.burst and not recently_warned:
                del self.lanes[key]

    async def _drop(self, lane: UserLane, update: object, now: float) -> None:
        """Count a dropped update; once a minute per user, log it and ask them to slow down."""
        self.dropped += 1
        lane.dropped += 1
        if lane.warned_at is not None and now - lane.warned_at < SLOW_DOWN_EVERY:
            return
        lane.warned_at = now
        log.warning(
            "a user sends too many updates too fast: %d dropped (more than %d waiting or "
            "%.0f a second); further drops from them are not logged for a minute",
            lane.dropped,
            self.queue_per_user,
            self.rate,
        )
        lane.dropped = 0
        if self.on_dropped is not None and isinstance(update, Update):
            try:
                await self.on_dropped(update)
            except Exception:
                log.warning("could not ask a user to slow down")

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


def slow_down_reply(application: Application[Any, Any, Any, Any, Any, Any]) -> SlowDown:
    """The "please slow down" reply, sent in the user's language, for this application."""

    async def reply(update: Update) -> None:
        """Send the reply to the update's chat."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        services: Services = application.bot_data[SERVICES_KEY]
        lang = "es" if user is not None and (user.language_code or "").startswith("es") else "en"
        if user is not None:
            participant = await services.participants.get(user.id)
            lang = participant.language if participant is not None else lang
        await application.bot.send_message(chat.id, services.texts.render(lang, "slow_down"))

    return reply


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a handling coroutine that will never run (no 'never awaited' warning)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()


def _user_key(update: object) -> int | None:
    """The id that orders an update: its user, else its chat."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None
