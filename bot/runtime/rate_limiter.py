"""Telegram rate limiting for every request the bot makes, with a 429 halt that holds.

python-telegram-bot 22.8's AIORateLimiter releases a RetryAfter halt as soon as any other
request finishes (its issue 5338: a shared Event is set in a `finally` that runs for every
request). Here the halt is a monotonic deadline: nothing releases it early, concurrent halts
combine with max(), and every request waits for it before it goes out and before it retries.

The send rate is a sliding one-second window (at most `send_rate` requests started in any
second), which is how Telegram counts; a leaky bucket would let twice the rate through in
the first second of a burst. Replies to participants go first: a request made by the outbox
sender (marked with `sending_in_bulk()`) waits while interactive ones are queued, except that
every BULK_TURN-th slot goes to bulk when both wait, so a fan-out is slowed, never stopped;
and bulk alone uses at most 90% of the window, leaving the rest to replies.

Interactive requests that fail on the way (a 5xx answer, a timeout, a dropped connection) are
tried again a few times with backoff, except a message send whose request may have reached
Telegram: sending it again could show the participant the same message twice. The outbox
retries its own rows (with their own backoff), so bulk requests are never retried here.

Time comes from a `MonotonicClock` (the real one unless another is given), so the limiter can
be driven by a clock a test moves by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

log = logging.getLogger(__name__)

# Requests that do not send anything to a chat are not counted against the send rate.
_UNCOUNTED = frozenset(
    {
        "getUpdates",
        "getMe",
        "answerCallbackQuery",
        "setMyCommands",
        "deleteWebhook",
        "setWebhook",
        "getWebhookInfo",
        "close",
        "logOut",
        "getMyCommands",
        "deleteMyCommands",
        "getChat",
        "sendChatAction",
    }
)

BULK_TURN = 4  # when both wait, every 4th slot goes to bulk: a quarter of the rate at least
INTERACTIVE_SHARE = 0.1  # of the window that bulk sends leave to replies
INTERACTIVE_RETRIES = 3
INTERACTIVE_BACKOFF = 0.25  # seconds before the first retry, doubled each time
_NOT_RETRIED = frozenset({"getUpdates", "close", "logOut"})
# Transport errors raised before the request could reach the server.
_NEVER_ARRIVED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class MonotonicClock(Protocol):
    """Where the limiter reads the time and sleeps."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""
        ...


class RealTime:
    """The machine's monotonic clock and the event loop's sleep."""

    def monotonic(self) -> float:
        """time.monotonic()."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep()."""
        await asyncio.sleep(seconds)


REAL_TIME = RealTime()

_bulk: ContextVar[bool] = ContextVar("bulk_sending", default=False)


def sending_in_bulk() -> None:
    """Mark the requests of the current task (and tasks it starts) as bulk outbox sends."""
    _bulk.set(True)


def is_bulk() -> bool:
    """Whether the current task sends in bulk."""
    return _bulk.get()


def shows_a_message(endpoint: str) -> bool:
    """Whether the method puts a new message in front of the user (not idempotent)."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint != "sendChatAction"


def may_have_arrived(exc: NetworkError) -> bool:
    """Whether a failed request may still have been carried out by Telegram.

    An HTTP error answer (5xx) means the server did not do it; a connection refused or a
    pool timeout means it never left; a read timeout or a dropped connection may have come
    after the server acted.
    """
    cause = exc.__cause__
    if cause is None:
        return isinstance(exc, TimedOut)
    return not isinstance(cause, _NEVER_ARRIVED)


def worth_retrying(exc: Exception, endpoint: str) -> bool:
    """Whether an interactive request that failed with `exc` may be sent again safely."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False
    if endpoint in _NOT_RETRIED:
        return False
    return not (shows_a_message(endpoint) and may_have_arrived(exc))


class SlidingWindow:
    """Admits at most `limit` acquisitions in any `period` seconds, evenly spaced.

    Spacing them `period / limit` apart (rather than letting `limit` start at once) keeps a
    short stall on either side from bunching a whole second's worth into a server's window.
    Interactive acquisitions are served before bulk ones (see BULK_TURN), and bulk ones leave
    `INTERACTIVE_SHARE` of the window free, so that a reply rarely waits for a slot and the
    jitter of a full-speed fan-out does not push the total over the server's limit.
    """

    def __init__(self, limit: int, period: float = 1.0, clock: MonotonicClock = REAL_TIME) -> None:
        self.limit = max(1, limit)
        self.period = period
        self.clock = clock
        self._starts: deque[float] = deque()
        self._next = 0.0  # the bulk cadence
        self._last = -1e9  # the last grant of either kind
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}
        self._ready: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._granter: asyncio.Task[None] | None = None
        self._bulk_nap: asyncio.Task[None] | None = None  # the granter's wait for a bulk slot
        self._interactive_in_a_row = 0

    @property
    def bulk_limit(self) -> int:
        """How many of the window's slots bulk acquisitions may hold."""
        reserve = max(1, math.ceil(self.limit * INTERACTIVE_SHARE)) if self.limit > 1 else 0
        return max(1, self.limit - reserve)

    async def acquire(
        self,
        ready: Callable[[], Coroutine[Any, Any, None]] | None = None,
        interactive: bool = True,
    ) -> None:
        """Wait until one more acquisition fits in the window, then take it.

        `ready` (the halt) is awaited before every grant, so a slot is only ever taken at
        the moment its request can really go out.
        """
        if ready is not None:
            self._ready = ready
            await ready()
        if self._take_now(interactive):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiting[interactive]
        queue.append(future)
        if interactive and self._bulk_nap is not None:
            self._bulk_nap.cancel()  # a reply may go before the slot bulk waits for
        if self._granter is None or self._granter.done():
            self._granter = asyncio.create_task(self._grant(), name="rate-window")
        try:
            await future
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                queue.remove(future)
            raise

    def _take_now(self, interactive: bool) -> bool:
        """Take a slot at once when nobody waits and one is free: no task, no future.

        Only when the queues are empty and the granter idle, so nobody is passed over.
        """
        if self._waiting[True] or self._waiting[False]:
            return False
        if self._granter is not None and not self._granter.done():
            return False
        now = self.clock.monotonic()
        if self._wait_for(interactive, now) > 0:
            return False
        self._take(interactive, now)
        return True

    def _take(self, interactive: bool, now: float) -> None:
        """Record a grant of this kind at `now`."""
        self._starts.append(now)
        self._last = now
        # Keep the cadence from the ideal time, so sleeping a little late does not
        # slow the whole run; after a pause at most two go out together.
        gap = self.period / (self.limit if interactive else self.bulk_limit)
        self._next = max(self._next, now - gap) + gap
        if interactive:
            self._interactive_in_a_row += 1
        else:
            self._interactive_in_a_row = 0

    def _turn(self) -> bool | None:
        """Whose turn it is: True interactive, False bulk, None nobody waits.

        Interactive first; when both wait, every BULK_TURN-th turn is bulk's.
        """
        for queue in self._waiting.values():
            while queue and queue[0].done():
                queue.popleft()  # cancelled while waiting
        interactive, bulk = self._waiting[True], self._waiting[False]
        if interactive and (not bulk or self._interactive_in_a_row < BULK_TURN - 1):
            return True
        return False if bulk else None

    def _wait_for(self, interactive: bool, now: float) -> float:
        """Seconds until a slot of this kind is free (0 when one is free now)."""
        while self._starts and now - self._starts[0] >= self.period:
            self._starts.popleft()
        if interactive:
            cap, ready_at = self.limit, self._last + self.period / self.limit
        else:
            cap, ready_at = self.bulk_limit, self._next
        if len(self._starts) >= cap:
            ready_at = max(ready_at, self._starts[len(self._starts) - cap] + self.period)
        return max(0.0, ready_at - now)

    async def _grant(self) -> None:
        """Hand out slots in turn while anyone waits."""
        while (turn := self._turn()) is not None:
            if self._ready is not None:
                await self._ready()
            now = self.clock.monotonic()
            delay = self._wait_for(turn, now)
            if delay > 0:
                await self._sleep(delay, turn)
                continue
            waiter = self._waiting[turn].popleft()
            self._take(turn, now)
            waiter.set_result(None)

    async def _sleep(self, delay: float, interactive: bool) -> None:
        """Wait `delay` seconds on the clock; a wait for a bulk slot ends early for a reply.

        A reply that starts waiting meanwhile may be served before the bulk slot is free.
        """
        if interactive:
            await self.clock.sleep(delay)
            return
        nap = self._bulk_nap = asyncio.create_task(self.clock.sleep(delay))
        try:
            await asyncio.wait((nap,))
        finally:
            self._bulk_nap = None
            nap.cancel()


class HaltingRateLimiter(BaseRateLimiter[int]):
    """Overall send-rate limit plus a shared, deadline-based halt after a 429."""

    def __init__(
        self,
        send_rate: float = 30.0,
        max_retries: int = 5,
        period: float = 1.02,
        recover_every: float = 2.0,
        clock: MonotonicClock = REAL_TIME,
    ) -> None:
        self.send_rate = send_rate
        self.max_retries = max_retries
        self.clock = clock
        # A little over a second: requests that leave in order may arrive a little apart.
        self._window = SlidingWindow(int(send_rate), period=period, clock=clock)
        self._halt_until = 0.0
        self._last_slowdown = 0.0
        self._last_429 = -1e9
        self._last_speedup = 0.0
        self.recover_every = recover_every
        self.retries = 0
        self.network_retries = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def halt_for(self, seconds: float) -> None:
        """Hold every request for `seconds` from now (never shortening a longer halt)."""
        self._halt_until = max(self._halt_until, self.clock.monotonic() + seconds)

    async def wait_halt(self) -> None:
        """Sleep until any halt in force has passed."""
        # A deadline, not an Event: nothing but time may end a halt (PTB issue 5338).
        while (remaining := self._halt_until - self.clock.monotonic()) > 0:
            await self.clock.sleep(remaining)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send the request within the limits, retrying after each 429 up to max_retries."""
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        counted = endpoint not in _UNCOUNTED
        interactive = not is_bulk()
        attempt = failures = 0
        while True:
            if counted:
                await self._window.acquire(self.wait_halt, interactive)
            else:
                await self.wait_halt()
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.halt_for(seconds + 0.1)
                self._slow_down()
                if attempt >= max_retries:
                    log.warning("%s still rate limited after %d retries", endpoint, attempt)
                    raise
                attempt += 1
                self.retries += 1
                log.info("rate limited on %s; every request waits %.1f s", endpoint, seconds)
            except NetworkError as exc:
                if not interactive or failures >= INTERACTIVE_RETRIES:
                    raise
                if not worth_retrying(exc, endpoint):
                    raise
                failures += 1
                self.network_retries += 1
                log.info("%s failed (%s); trying again (%d)", endpoint, exc.message, failures)
                await self.clock.sleep(INTERACTIVE_BACKOFF * 2 ** (failures - 1))
            else:
                if counted:
                    self._speed_up()
                return result

    @property
    def current_rate(self) -> int:
        """The sends per second allowed now (lowered after 429s, restored over time)."""
        return self._window.limit

    def _slow_down(self) -> None:
        """After repeated 429s the server's limit is lower than ours: send a quarter less.

        One 429 alone is usually timing jitter and only costs its pause; a second one within
        ten seconds means the rate itself is too high. The requests in flight when a 429
        arrives all get one; they count as one.
        """
        now = self.clock.monotonic()
        if now - self._last_429 < 1.0:
            return
        repeated = now - self._last_429 < 10.0
        self._last_429 = now
        if not repeated:
            return
        self._last_slowdown = now
        self._window.limit = max(1, int(self._window.limit * 0.75))

    def _speed_up(self) -> None:
        """Every `recover_every` seconds without a 429, allow 5% of the full rate more."""
        now = self.clock.monotonic()
        full = int(self.send_rate)
        if (
            self._window.limit >= full
            or now - self._last_slowdown < self.recover_every
            or now - self._last_speedup < self.recover_every
        ):
            return
        self._last_speedup = now
        self._window.limit = min(full, self._window.limit + max(1, round(full * 0.05)))


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait a 429 asked for, in seconds (PTB 22 returns int or timedelta by a flag)."""
    value: Any = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
