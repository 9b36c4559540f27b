"""Per-user update ordering and the rate limiter's halt (python-telegram-bot issue 5338)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from telegram import Chat, Message, Update, User
from telegram.error import RetryAfter

from bot.runtime.rate_limiter import HaltingRateLimiter, SlidingWindow
from bot.runtime.update_processor import PerUserUpdateProcessor


def message_update(update_id: int, user_id: int) -> Update:
    """A text message update from a user."""
    user = User(user_id, "U", False)
    chat = Chat(user_id, "private")
    return Update(
        update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user, text="hi")
    )


async def test_same_user_in_order_other_users_in_parallel() -> None:
    processor = PerUserUpdateProcessor(16, timings=[])
    log: list[tuple[str, int]] = []

    async def handle(tag: str, delay: float) -> None:
        log.append(("start", int(tag)))
        await asyncio.sleep(delay)
        log.append(("end", int(tag)))

    await asyncio.gather(
        processor.do_process_update(message_update(1, 7), handle("1", 0.05)),
        processor.do_process_update(message_update(2, 7), handle("2", 0.0)),
        processor.do_process_update(message_update(3, 8), handle("3", 0.0)),
    )
    # user 7's second update waits for the first; user 8 does not wait for user 7
    assert log.index(("end", 1)) < log.index(("start", 2))
    assert log.index(("end", 3)) < log.index(("end", 1))
    assert len(processor.timings or []) == 3
    assert all(lane.waiting == 0 for lane in processor.lanes.values())


async def test_halt_is_not_released_by_another_request_finishing() -> None:
    limiter = HaltingRateLimiter(send_rate=1000, max_retries=1)
    flooded = {"hit": False}
    sent_at: dict[str, float] = {}

    async def flood() -> bool:
        if not flooded["hit"]:
            flooded["hit"] = True
            raise RetryAfter(1)
        sent_at["flood-retry"] = time.monotonic()
        return True

    async def slow() -> bool:
        await asyncio.sleep(0.2)  # in flight when the halt begins, finishes during it
        return True

    async def late() -> bool:
        sent_at["late"] = time.monotonic()
        return True

    began = time.monotonic()
    slow_task = asyncio.create_task(
        limiter.process_request(slow, (), {}, "sendMessage", {"chat_id": 2}, None)
    )
    await asyncio.sleep(0.05)
    flood_task = asyncio.create_task(
        limiter.process_request(flood, (), {}, "sendMessage", {"chat_id": 1}, None)
    )
    await asyncio.sleep(0.3)  # the slow request has finished by now
    late_result = await limiter.process_request(late, (), {}, "sendMessage", {"chat_id": 3}, None)
    await asyncio.gather(slow_task, flood_task)
    assert late_result is True
    # PTB 22.8's AIORateLimiter lets "late" through ~0.3 s in; the halt must hold ~1.1 s
    assert sent_at["late"] - began >= 1.0
    assert sent_at["flood-retry"] - began >= 1.0


async def test_gives_up_after_max_retries() -> None:
    limiter = HaltingRateLimiter(send_rate=1000, max_retries=0)

    async def always() -> bool:
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_slows_down_after_repeated_429s_and_recovers() -> None:
    limiter = HaltingRateLimiter(send_rate=20, max_retries=3, period=0.01, recover_every=0.3)
    calls = {"n": 0}

    async def refused_once(seconds: int) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RetryAfter(seconds)
        return True

    await limiter.process_request(
        lambda: refused_once(1), (), {}, "sendMessage", {"chat_id": 1}, None
    )
    assert limiter.current_rate == 20  # one 429 alone: only its pause
    calls["n"] = 0
    await limiter.process_request(
        lambda: refused_once(0), (), {}, "sendMessage", {"chat_id": 1}, None
    )
    assert limiter.current_rate == 15  # a second within ten seconds: a quarter slower

    async def fine() -> bool:
        return True

    for _ in range(400):
        await limiter.process_request(fine, (), {}, "sendMessage", {"chat_id": 1}, None)
        if limiter.current_rate == 20:
            break
        await asyncio.sleep(0.01)
    assert limiter.current_rate == 20


async def test_sliding_window_admits_at_most_limit_per_period_evenly() -> None:
    window = SlidingWindow(5, period=0.2)
    stamps = []
    for _ in range(12):
        await window.acquire()
        stamps.append(time.monotonic())
    for i in range(5, 12):
        assert stamps[i] - stamps[i - 5] >= 0.2 - 1e-3
    # spaced about period/limit apart, not five at once then a pause
    for i in range(len(stamps) - 2):
        assert stamps[i + 2] - stamps[i] >= 0.04 - 5e-3
