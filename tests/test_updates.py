"""Per-user update ordering and the rate limiter's halt (python-telegram-bot issue 5338).

The limiter's clock is a FakeTime the test moves, so no check depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from telegram.error import RetryAfter

from bot.runtime.rate_limiter import HaltingRateLimiter, SlidingWindow
from bot.runtime.update_processor import PerUserUpdateProcessor
from tests.support.fake_time import FakeTime, run_ready
from tests.support.updates import message_update

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine


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
    # the lock is given back: a later update of the same user runs
    await asyncio.wait_for(processor.do_process_update(message_update(4, 7), handle("4", 0.0)), 5)
    assert log[-1] == ("end", 4)


@pytest.fixture
def fake_time() -> FakeTime:
    """A FakeTime for the rate limiter under test to read and sleep on."""
    return FakeTime()


async def test_halt_is_not_released_by_another_request_finishing(fake_time: FakeTime) -> None:
    limiter = HaltingRateLimiter(send_rate=1000, max_retries=1, clock=fake_time)
    flooded = {"hit": False}
    sent_at: dict[str, float] = {}
    slow_done = asyncio.Event()

    async def flood() -> bool:
        if not flooded["hit"]:
            flooded["hit"] = True
            raise RetryAfter(1)
        sent_at["flood-retry"] = fake_time.now
        return True

    async def slow() -> bool:
        await slow_done.wait()  # in flight when the halt begins, finishes during it
        return True

    async def late() -> bool:
        sent_at["late"] = fake_time.now
        return True

    slow_task = asyncio.create_task(
        limiter.process_request(slow, (), {}, "sendMessage", {"chat_id": 2}, None)
    )
    await run_ready()
    flood_task = asyncio.create_task(
        limiter.process_request(flood, (), {}, "sendMessage", {"chat_id": 1}, None)
    )
    await fake_time.advance(0.01)  # its turn in the send window
    assert flooded["hit"]
    await fake_time.advance(0.3)
    slow_done.set()
    assert await slow_task is True
    late_task = asyncio.create_task(
        limiter.process_request(late, (), {}, "sendMessage", {"chat_id": 3}, None)
    )
    await fake_time.advance(0.7)  # 1.0 s after the 429: the halt (1 s and a margin) holds
    assert sent_at == {}
    await fake_time.advance(0.2)
    await fake_time.run_until_done(late_task, flood_task)
    assert late_task.result() is True and flood_task.result() is True
    # PTB 22.8's AIORateLimiter lets "late" through when "slow" finishes, 0.3 s in
    assert set(sent_at) == {"flood-retry", "late"}
    assert min(sent_at.values()) >= 1.1


async def test_gives_up_after_max_retries() -> None:
    limiter = HaltingRateLimiter(send_rate=1000, max_retries=0)

    async def always() -> bool:
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_slows_down_after_repeated_429s_and_recovers(fake_time: FakeTime) -> None:
    limiter = HaltingRateLimiter(
        send_rate=20, max_retries=3, period=0.01, recover_every=0.3, clock=fake_time
    )
    calls = {"n": 0}

    async def refused_once(seconds: int) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RetryAfter(seconds)
        return True

    async def request(callback: Callable[[], Coroutine[Any, Any, bool]]) -> None:
        task = asyncio.create_task(
            limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)
        )
        await fake_time.run_until_done(task)
        await task

    await fake_time.advance(20)
    await request(lambda: refused_once(1))
    assert limiter.current_rate == 20  # one 429 alone: only its pause
    calls["n"] = 0
    await request(lambda: refused_once(0))
    assert limiter.current_rate == 15  # a second within ten seconds: a quarter slower

    async def fine() -> bool:
        return True

    await request(fine)
    assert limiter.current_rate == 15  # too soon to recover
    await fake_time.advance(0.3)
    await request(fine)
    assert limiter.current_rate == 16  # 5% of the full rate back every `recover_every`
    for _ in range(4):
        await fake_time.advance(0.3)
        await request(fine)
    assert limiter.current_rate == 20


async def test_sliding_window_admits_at_most_limit_per_period_evenly(fake_time: FakeTime) -> None:
    window = SlidingWindow(5, period=0.2, clock=fake_time)
    stamps: list[float] = []

    async def take_all() -> None:
        for _ in range(12):
            await window.acquire()
            stamps.append(fake_time.now)

    task = asyncio.create_task(take_all())
    await fake_time.run_until_done(task)
    await task
    for i in range(5, 12):
        assert stamps[i] - stamps[i - 5] >= 0.2 - 1e-9
    # spaced about period/limit apart, not five at once then a pause
    for i in range(len(stamps) - 2):
        assert stamps[i + 2] - stamps[i] >= 0.04 - 1e-9
