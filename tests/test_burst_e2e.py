"""End to end: many participants at once, under Telegram's send limit and its 429 answers."""

from __future__ import annotations

import asyncio

import pytest

from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.users import SimUser, register


@pytest.mark.timeout(300)  # 45 conversations at once: CPU-bound on a shared machine
async def test_45_participants_register_at_once(bot: RunningBot, client: SandboxClient) -> None:
    users = [await SimUser(client, 2000 + i, timeout=60).join() for i in range(45)]
    await asyncio.gather(*(register(u, name=f"Officer Number {u.id}") for u in users))
    assert await bot.services.participants.count() == 45


async def test_replies_refused_with_429_are_sent_again(
    bot: RunningBot, client: SandboxClient
) -> None:
    # The sandbox allows far fewer sends than the bot's own limiter expects: 429s must happen,
    # and every reply refused with one must still arrive, once, after retry_after.
    await client.configure(send_rate=5)
    users = [await SimUser(client, 3000 + i, timeout=60).join() for i in range(20)]
    await asyncio.gather(*(u.say("/start") for u in users))
    await asyncio.gather(*(u.expect("choose your language") for u in users))
    stats = await client.stats()
    assert stats["rate_limited"] > 0, stats
    for user in users:
        transcript = await client.transcript(user.id)
        texts = [m["text"] or "" for m in transcript if m["from_bot"]]
        assert sum("choose your language" in t for t in texts) == 1
    limiter = bot.application.bot.rate_limiter
    assert limiter is not None and limiter.retries > 0
