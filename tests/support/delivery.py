"""Registrants to deliver to, and letting the in-process bot's sender deliver what is due."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import to_iso
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot


async def nothing_due(bot: RunningBot) -> bool:
    """True when no reminder slot is due and no outbox row is due or in flight."""
    now = bot.clock.now()
    if await bot.services.schedule.due_slots(now):
        return False
    counts = await bot.services.outbox.counts()
    if counts.get("sending"):
        return False
    next_due = await bot.services.outbox.next_due()
    return next_due is None or next_due > now


async def settle(bot: RunningBot, timeout: float = 15.0) -> None:
    """Let the sender deliver everything due at the clock's time (TimeoutError otherwise).

    Moving the test's clock by hand arms no timer, so the sender is woken first; it reports
    idle once nothing is due, in flight or unwritten.
    """
    bot.services.sender.wake()
    await bot.services.sender.wait_idle(timeout)


async def at(bot: RunningBot, moment: datetime) -> None:
    """Move the clock and let due messages go out."""
    bot.clock.set(moment)
    await settle(bot)


async def drain_outbox(
    bot: RunningBot, step: timedelta = timedelta(seconds=30), timeout: float = 30.0
) -> dict[str, int]:
    """Keep moving the clock (so backoffs pass) until nothing is pending; return the counts.

    Rows skipped on purpose (the 7-day reminder, superseded by the 1-day one that falls due
    at the same jump of the clock) are left out of the counts.
    """

    async def drained() -> dict[str, int] | None:
        counts = dict(await bot.services.outbox.counts())
        due = await bot.services.schedule.due_slots(bot.clock.now())
        if counts and not counts.get("pending") and not counts.get("sending") and not due:
            counts.pop("skipped", None)
            return counts
        bot.clock.advance(step)
        bot.services.sender.wake()
        return None

    return await eventually(drained, timeout, "the outbox drained", interval=0.05)


async def bot_texts(client: SandboxClient, user_id: int) -> list[str]:
    """Everything the bot has said to a user (current text of each message)."""
    return [m["text"] or "" for m in await client.transcript(user_id) if m["from_bot"]]


async def seed_registrants(
    bot: RunningBot, client: SandboxClient, count: int, first_id: int = 50_000
) -> list[int]:
    """Store `count` registered participants for the first webinar (and create their users)."""
    rng = random.Random(count)
    webinar = bot.services.series.webinars[0]
    ids = []
    for i in range(count):
        telegram_id = first_id + i
        await client.add_user(telegram_id, first_name=f"P{i}")
        await bot.services.participants.create(
            telegram_id,
            {
                "language": rng.choice(["en", "es"]),
                "full_name": f"Participant {i}",
                "country": "GY",
                "timezone": "America/Guyana",
                "institution": "police",
                "position": "Officer",
                "sex": rng.choice(["woman", "man", "undisclosed"]),
                "email": None,
                "webinars": [webinar.id],
                "consent_at": to_iso(bot.clock.now()),
                "consent_version": "test",
            },
            bot.clock.now(),
        )
        ids.append(telegram_id)
    return ids


async def fan_out(bot: RunningBot) -> None:
    """Bring the first webinar's 1-day reminder due."""
    webinar = bot.services.series.webinars[0]
    bot.clock.set(webinar.starts_at - timedelta(days=1))
    bot.services.sender.wake()
