"""Seeding registered participants straight through the storage API, for delivery tests."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from bot.clock import to_iso

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from storage.participants import ParticipantStore
    from tests.support.bots import RunningBot

FIRST_ID = 50_000


async def seed_registrants(bot: RunningBot, client: SandboxClient, count: int) -> list[int]:
    """Store `count` registered participants for the first webinar (and create their users)."""
    store: ParticipantStore = bot.services.participants
    rng = random.Random(count)  # noqa: S311 - a reproducible data set, not a secret
    webinar = bot.services.series.webinars[0]
    ids = []
    for i in range(count):
        telegram_id = FIRST_ID + i
        await client.add_user(telegram_id, first_name=f"P{i}")
        await store.create(
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
