"""Fairness between users: one user's flood neither takes the shared slots nor goes unbounded."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Update

from bot.runtime.update_processor import PerUserUpdateProcessor
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.updates import message_update
from tests.support.users import SimUser


class FakeMonotonic:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        """Start at 1000 s."""
        self.now = 1000.0

    def __call__(self) -> float:
        """The current reading."""
        return self.now


async def test_a_backlog_waits_without_taking_shared_slots() -> None:
    processor = PerUserUpdateProcessor(2, monotonic=FakeMonotonic())
    release = asyncio.Event()
    handled: list[int] = []

    async def slow(update_id: int) -> None:
        await release.wait()
        handled.append(update_id)

    async def quick(update_id: int) -> None:
        handled.append(update_id)

    flood = [
        asyncio.create_task(processor.process_update(message_update(i, 7), slow(i)))
        for i in range(1, 8)
    ]
    await asyncio.sleep(0)
    # user 7 has seven updates waiting on two slots; user 8 is still served at once
    await asyncio.wait_for(processor.process_update(message_update(100, 8), quick(100)), 2)
    assert handled == [100]
    release.set()
    await asyncio.wait_for(asyncio.gather(*flood), 2)
    assert handled == [100, 1, 2, 3, 4, 5, 6, 7]


async def test_a_flood_is_cut_to_the_bucket_with_one_reply_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeMonotonic()
    processor = PerUserUpdateProcessor(16, monotonic=clock)
    replies: list[int] = []
    handled: list[int] = []

    async def slow_down(update: Update) -> None:
        replies.append(update.update_id)

    async def handle(update_id: int) -> None:
        await asyncio.sleep(0)  # the handler yields, so the others queue up behind it
        handled.append(update_id)

    processor.on_dropped = slow_down
    caplog.set_level(logging.WARNING, logger="bot.runtime.update_processor")
    await asyncio.gather(
        *(processor.process_update(message_update(i, 9), handle(i)) for i in range(1, 101))
    )
    assert handled == list(range(1, 12))  # the first (the lane was idle), then the burst
    assert processor.dropped == 89 and replies == [12]
    assert len([r for r in caplog.records if "too many updates" in r.getMessage()]) == 1
    clock.now += 1  # five more tokens a second
    await asyncio.gather(
        *(processor.process_update(message_update(i, 9), handle(i)) for i in range(101, 111))
    )
    assert handled[11:] == [101, 102, 103, 104, 105, 106] and replies == [12]
    clock.now += 61
    await asyncio.gather(
        *(processor.process_update(message_update(i, 9), handle(i)) for i in range(201, 221))
    )
    assert replies == [12, 212]
    assert len([r for r in caplog.records if "too many updates" in r.getMessage()]) == 2


async def test_the_queue_is_bounded_even_with_tokens() -> None:
    processor = PerUserUpdateProcessor(16, queue_per_user=3, burst=50, monotonic=FakeMonotonic())
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    waiting = [
        asyncio.create_task(processor.process_update(message_update(i, 5), slow()))
        for i in range(1, 4)
    ]
    await asyncio.sleep(0)
    await asyncio.wait_for(processor.process_update(message_update(9, 5), slow()), 2)
    assert processor.dropped == 1
    release.set()
    await asyncio.gather(*waiting)


async def test_the_flooder_is_asked_to_slow_down_in_the_chat(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 6060).join()
    for _ in range(40):
        await client.send_text(6060, "hello?")
    processor = bot.application.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)
    texts: list[str] = []
    while not any("slow down" in t for t in texts):
        texts.append((await user.next_message(timeout=20))["text"])
    assert sum("slow down" in text for text in texts) == 1
    assert all("did not understand" in text for text in texts[:-1])
    assert processor.dropped >= 1
