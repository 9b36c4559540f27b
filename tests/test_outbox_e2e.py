"""End to end: the outbox under latency, 5xx answers, dropped connections, 429s, blocked users."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.delivery import drain_outbox, fan_out, seed_registrants
from tests.support.users import SimUser

if TYPE_CHECKING:
    from collections.abc import Iterable


async def outbox_rows(bot: RunningBot, telegram_id: int) -> list[Any]:
    """A participant's outbox rows, through the storage API."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    return list(await bot.services.outbox.rows_for(participant.id))


async def received(client: SandboxClient, user_id: int) -> int:
    """How many reminders a user got."""
    return sum(
        1
        for m in await client.transcript(user_id)
        if m["from_bot"] and (m["text"] or "").startswith("⏰")
    )


async def test_blocked_users_are_unreachable_and_never_retried(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 20)
    for blocked in ids[:3]:
        await client.block(blocked)
    await fan_out(bot)
    counts = await drain_outbox(bot)
    assert counts == {"sent": 17, "unreachable": 3}
    for blocked in ids[:3]:
        participant = await bot.services.participants.get(blocked)
        assert participant is not None and participant.unreachable_at is not None
        rows = await bot.services.outbox.rows_for(participant.id)
        [row] = [r for r in rows if r["status"] not in ("skipped",)]
        assert (row["status"], row["attempts"]) == ("unreachable", 1)
        assert row["last_error"] == "Forbidden: bot was blocked by the user"
    for user_id in ids[3:]:
        assert await received(client, user_id) == 1
    # an unreachable participant gets no later reminder either, until they write again
    bot.clock.set(bot.services.series.webinars[0].starts_at - timedelta(hours=1))
    counts = await drain_outbox(bot)
    assert counts["unreachable"] == 3 and counts["sent"] == 34
    await client.unblock(ids[0])
    writer = SimUser(client, ids[0])
    await writer.drain()
    await writer.say("/help")
    await writer.expect("/help")
    participant = await bot.services.participants.get(ids[0])
    assert participant is not None and participant.unreachable_at is None


async def test_5xx_and_dropped_connections_are_retried_with_backoff(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 60)
    await client.configure(latency=0.02)
    await client.inject_faults(method="sendMessage", status=502, probability=0.1)
    await client.inject_faults(method="sendMessage", drop=True, probability=0.05)
    await fan_out(bot)
    counts = await drain_outbox(bot)
    assert counts == {"sent": 60}
    stats = await client.stats()
    assert stats["injected_5xx"] > 0  # and some connections were dropped: both retried
    retried = [row for i in ids for row in await outbox_rows(bot, i) if row["attempts"] > 1]
    assert retried
    for user_id in ids:
        assert await received(client, user_id) >= 1


async def test_persistent_5xx_fails_after_bounded_attempts(
    bot: RunningBot, client: SandboxClient
) -> None:
    await seed_registrants(bot, client, 3)
    await client.inject_faults(method="sendMessage", status=500, count=1000)
    await fan_out(bot)
    counts = await drain_outbox(bot, step=timedelta(minutes=5))
    assert counts == {"failed": 3}
    rows = await bot.services.db.fetchall(
        "SELECT attempts, last_error FROM outbox WHERE status = 'failed'"
    )
    assert len(rows) == 3 and all(r["attempts"] == 5 for r in rows)
    assert all(r["last_error"].startswith("gave up after 5 attempts") for r in rows)


async def test_a_429_storm_pauses_every_sender_and_loses_nothing(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 40)
    await client.configure(send_rate=10)  # far below the bot's own 30/s
    await fan_out(bot)
    counts = await drain_outbox(bot, step=timedelta(seconds=0))
    assert counts == {"sent": 40}
    stats = await client.stats()
    assert stats["rate_limited"] > 0
    for user_id in ids:
        assert await received(client, user_id) == 1


async def test_bad_request_is_recorded_with_telegrams_description(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 2)
    await client.inject_faults(
        method="sendMessage", status=400, count=1, description="Bad Request: message is too long"
    )
    await fan_out(bot)
    counts = await drain_outbox(bot)
    assert counts == {"failed": 1, "sent": 1}
    [row] = [row for i in ids for row in await outbox_rows(bot, i) if row["status"] == "failed"]
    assert (row["attempts"], row["last_error"]) == (1, "Message is too long")
    assert sum([await received(client, i) for i in ids]) == 1


async def test_organizers_see_undeliverable_participants(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 4)
    await client.block(ids[0])
    await fan_out(bot)
    await drain_outbox(bot)
    organizer = await SimUser(client, 1000).join()  # ADMIN_IDS in the test settings
    await organizer.say("/delivery")
    report = await organizer.expect("Delivery report")
    assert " • reminder 1 day before: sent 3, unreachable 1" in report["text"]
    assert (
        "Unreachable participants (blocked the bot or deleted their account): 1" in (report["text"])
    )
    assert "Participant 0" in report["text"] and "blocked by the user" in report["text"]
    stranger = await SimUser(client, 1001).join()
    await stranger.say("/delivery")
    refusal = await stranger.expect("did not understand")
    assert "Participant" not in refusal["text"]


async def test_never_two_messages_to_one_chat_within_a_second(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 3)
    await client.configure(per_chat_rate=1)  # the sandbox answers 429 to a second one
    webinar = bot.services.series.webinars[0]
    bot.clock.set(webinar.starts_at - timedelta(minutes=30))
    for user_id in ids:  # three messages for each chat, all due at once
        participant = await bot.services.participants.get(user_id)
        assert participant is not None
        for kind, purpose in (
            ("late_reminder", "a"),
            ("change_notice", "v1"),
            ("late_reminder", "b"),
        ):
            await bot.services.outbox.enqueue(
                kind, webinar.id, participant.id, purpose, bot.clock.now(), bot.clock.now()
            )
    counts = await drain_outbox(bot, step=timedelta(0))
    assert counts == {"sent": 12}  # and each chat's 1-hour reminder, due as well
    assert (await client.stats())["rate_limited"] == 0
    for user_id in ids:
        dates = [m["date"] for m in await client.transcript(user_id) if m["from_bot"]]
        assert len(dates) == 4 and dates[3] - dates[0] >= 3


async def test_settling_a_fan_out_makes_no_empty_trips_to_the_database(
    bot: RunningBot, client: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await seed_registrants(bot, client, 12)
    conn = bot.services.db.conn
    batches: list[tuple[str, int]] = []
    executemany = conn.executemany

    def counted(sql: str, parameters: Iterable[Any]) -> Any:
        rows = list(parameters)
        batches.append((sql.split(" SET ", maxsplit=1)[0], len(rows)))
        return executemany(sql, rows)

    monkeypatch.setattr(conn, "executemany", counted)
    await fan_out(bot)
    assert await drain_outbox(bot) == {"sent": 12}
    for user_id in ids:
        assert await received(client, user_id) == 1
    # each statement is a trip to the database's thread: none is made with nothing to write
    # 12 rows claimed and 12 settled
    assert sum(n for sql, n in batches if sql == "UPDATE outbox") >= 24
    assert all(n > 0 for _, n in batches), batches
