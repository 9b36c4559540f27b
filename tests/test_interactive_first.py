"""Replies to participants go ahead of bulk sends and are retried when that is safe."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from bot.runtime.rate_limiter import (
    BULK_TURN,
    HaltingRateLimiter,
    SlidingWindow,
    sending_in_bulk,
    worth_retrying,
)
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.fake_time import FakeTime
from tests.support.users import SimUser


async def test_interactive_waiters_go_first_and_bulk_keeps_its_share() -> None:
    clock = FakeTime()
    window = SlidingWindow(50, period=0.5, clock=clock)
    order: list[str] = []

    async def take(kind: str) -> None:
        await window.acquire(interactive=kind == "interactive")
        order.append(kind)

    bulk = [asyncio.create_task(take("bulk")) for _ in range(40)]
    await clock.advance(0.05)  # a few bulk slots are granted, the rest wait
    served_before = len(order)
    assert 0 < served_before < 40
    interactive = [asyncio.create_task(take("interactive")) for _ in range(12)]
    await clock.run_until_done(*bulk, *interactive, step=0.005)
    after = order[served_before:]
    last_interactive = max(i for i, kind in enumerate(after) if kind == "interactive")
    # all 12 replies are served within 12 + 12 / (BULK_TURN - 1) turns, not after 40 bulk ones
    assert last_interactive < 12 + 12 // (BULK_TURN - 1) + 1
    # while both waited, bulk still got every BULK_TURN-th slot
    assert "bulk" in after[: BULK_TURN + 1]


async def test_bulk_alone_uses_nine_tenths_of_the_window() -> None:
    clock = FakeTime()
    window = SlidingWindow(20, period=0.2, clock=clock)

    async def twenty() -> None:
        for _ in range(20):
            await window.acquire(interactive=False)

    task = asyncio.create_task(twenty())
    await clock.run_until_done(task, step=0.005)
    # 20 bulk slots at 9/10 of 20 per 0.2 s take two windows at most, by the limiter's clock
    assert 0.2 <= clock.now < 0.4


async def test_a_free_slot_is_taken_without_a_turn_of_the_event_loop() -> None:
    clock = FakeTime()
    window = SlidingWindow(20, period=1.0, clock=clock)
    ran: list[str] = []
    asyncio.get_running_loop().call_soon(ran.append, "other work")
    await window.acquire(interactive=True)
    clock.now += 1.0  # the next slot is free (moved by hand: advance() would turn the loop)
    await window.acquire(interactive=False)
    assert ran == []  # neither acquisition waited for the loop: no task, no future
    await clock.advance(0.0)
    assert ran == ["other work"]


async def test_a_free_slot_is_not_taken_past_someone_waiting() -> None:
    clock = FakeTime()
    window = SlidingWindow(2, period=1.0, clock=clock)
    order: list[str] = []

    async def take(name: str) -> None:
        await window.acquire(interactive=True)
        order.append(name)

    await take("first")  # the cadence makes the next slot free half a second later
    waiting = asyncio.create_task(take("waiting"))
    await clock.advance(0.1)
    assert order == ["first"]
    late = asyncio.create_task(take("late"))
    await clock.run_until_done(waiting, late, step=0.05)
    assert order == ["first", "waiting", "late"]


def transport_error(cause: Exception) -> NetworkError:
    """A NetworkError as PTB raises it for an httpx failure (with the cause attached)."""
    try:
        raise NetworkError(f"httpx.{type(cause).__name__}") from cause
    except NetworkError as exc:
        return exc


def test_what_is_worth_retrying() -> None:
    bad_gateway = NetworkError("Bad Gateway")  # Telegram answered 502: nothing was done
    dropped = transport_error(httpx.RemoteProtocolError("Server disconnected"))
    refused = transport_error(httpx.ConnectError("refused"))
    read_timeout = TimedOut("Timed out")
    read_timeout.__cause__ = httpx.ReadTimeout("read")
    assert worth_retrying(bad_gateway, "sendMessage")
    assert worth_retrying(refused, "sendMessage")
    assert not worth_retrying(dropped, "sendMessage")  # may have been shown already
    assert not worth_retrying(read_timeout, "sendDocument")
    assert worth_retrying(dropped, "editMessageText")  # the same edit twice shows once
    assert worth_retrying(read_timeout, "answerCallbackQuery")
    assert not worth_retrying(bad_gateway, "getUpdates")  # PTB's updater retries it


async def test_interactive_request_retried_bulk_not() -> None:
    limiter = HaltingRateLimiter(send_rate=1000)
    calls = {"n": 0}

    async def flaky() -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise NetworkError("Bad Gateway")
        return True

    assert await limiter.process_request(flaky, (), {}, "sendMessage", {}, None) is True
    assert calls["n"] == 2 and limiter.network_retries == 1

    async def in_bulk() -> None:
        sending_in_bulk()
        await limiter.process_request(flaky, (), {}, "sendMessage", {}, 0)

    calls["n"] = 0
    with pytest.raises(NetworkError):
        await asyncio.create_task(in_bulk())
    assert calls["n"] == 1  # the outbox retries its own rows


async def test_help_is_answered_through_502s(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 4242).join()
    await client.inject_faults(method="sendMessage", status=502, count=2)
    await user.say("/help")
    await user.expect("/start")
    assert (await client.stats())["injected_5xx"] == 2
    assert bot.application.bot.rate_limiter.network_retries >= 2
