"""What a refused or failed send becomes: unreachable, failed, or pending again after a backoff."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.clock import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from bot.delivery.relevance import Outcome
    from storage.outbox import Delivery

MAX_ATTEMPTS = 5
FAULT_BACKOFF_MAX = 30.0  # seconds between tries to write while the database refuses


def backoff(attempts: int) -> timedelta:
    """How long to wait before another try after `attempts` transient failures."""
    base = min(2.0**attempts, 120.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not a secret


def fault_backoff(failures: int) -> float:
    """Seconds to wait before writing again after `failures` failed writes in a row."""
    return min(0.5 * 2.0 ** max(0, failures - 1), FAULT_BACKOFF_MAX)


def refusal(
    exc: RetryAfter | Forbidden | NetworkError, delivery: Delivery, now: datetime
) -> Outcome:
    """The outcome of a send Telegram refused or that failed on the way."""
    if isinstance(exc, RetryAfter):
        # The rate limiter has already paused every sender; this row simply goes again.
        return "pending", {"attempts_delta": -1}
    if isinstance(exc, Forbidden):
        return "unreachable", _unreachable(exc.message, now)
    if isinstance(exc, BadRequest):
        if "chat not found" in exc.message.lower():
            return "unreachable", _unreachable(exc.message, now)
        return "failed", {"last_error": exc.message}
    attempt = delivery.attempts + 1  # the claim counted this try in the database
    if attempt >= MAX_ATTEMPTS:
        return "failed", {"last_error": f"gave up after {attempt} attempts: {exc.message}"}
    return "pending", {"last_error": exc.message, "due_at": to_iso(now + backoff(attempt))}


def _unreachable(reason: str, now: datetime) -> dict[str, Any]:
    """The outcome fields of a refused send: the participant is marked unreachable with it."""
    return {"last_error": reason, "unreachable_reason": reason, "at": to_iso(now)}
