"""End to end: the organizers' digest of new registrations, through the outbox and the sandbox."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from tests.support.delivery import bot_texts, settle
from tests.support.users import SimUser, register

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot

ORGANIZER = 1000  # ADMIN_IDS in the tests' settings
ADDED = 2001  # an organizer added in the chat
LINE = "New registration"


async def digest_lines(client: SandboxClient, chat: int) -> list[str]:
    """The digest lines the bot has sent to one chat."""
    return [text for text in await bot_texts(client, chat) if LINE in text]


async def digest_statuses(bot: RunningBot, participant_telegram_id: int) -> list[str]:
    """The statuses of the digest rows about one participant, via the storage API."""
    participant = await bot.services.participants.get(participant_telegram_id)
    assert participant is not None
    rows = await bot.services.outbox.rows_for(participant.id)
    return sorted(r["status"] for r in rows if r["kind"] == "digest")


async def test_each_registration_reaches_every_organizer_once_without_the_name(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    services.series = dataclasses.replace(services.series, organizer_digest="each")
    for chat in (ORGANIZER, ADDED):
        await SimUser(client, chat).join()
    await services.organizers.add(ADDED, "Added", ORGANIZER, bot.clock.now())
    participant = await SimUser(client, 5001).join()
    await register(participant)
    await settle(bot)
    for chat in (ORGANIZER, ADDED):
        lines = await digest_lines(client, chat)
        assert len(lines) == 1, lines
        assert "Guyana" in lines[0]
        assert "Police" in lines[0]
        assert "Woman" in lines[0]
        assert "Ana Smith" not in lines[0]
    assert await digest_statuses(bot, participant.id) == ["sent", "sent"]
    # The participant's own account is untouched by the organizers' rows.
    stored = await services.participants.get(participant.id)
    assert stored is not None and stored.unreachable_at is None

    # A restart sends nothing twice.
    await services.sender.stop()
    await services.sender.start()
    await settle(bot)
    for chat in (ORGANIZER, ADDED):
        assert len(await digest_lines(client, chat)) == 1
    assert await digest_statuses(bot, participant.id) == ["sent", "sent"]


async def test_the_digest_names_the_participant_when_the_series_asks(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    services.series = dataclasses.replace(
        services.series, organizer_digest="each", organizer_digest_names=True
    )
    await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 5002).join()
    await register(participant, name="Ana <b>Smith</b>")
    await settle(bot)
    lines = await digest_lines(client, ORGANIZER)
    assert len(lines) == 1
    assert "Ana <b>Smith</b>" in lines[0]


async def test_no_digest_by_default(bot: RunningBot, client: SandboxClient) -> None:
    assert bot.services.series.organizer_digest == "off"
    await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 5003).join()
    await register(participant)
    await settle(bot)
    assert await digest_statuses(bot, participant.id) == []
    assert await digest_lines(client, ORGANIZER) == []


async def test_a_digest_row_in_flight_at_a_crash_is_sent_once_after_the_restart(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    services.series = dataclasses.replace(services.series, organizer_digest="each")
    await services.sender.stop()
    await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 5004).join()
    await register(participant, calendar=False)
    assert await digest_statuses(bot, participant.id) == ["pending"]
    claimed = await services.outbox.claim_due(bot.clock.now(), 10, lambda _chat: False)
    assert sorted(d.kind for d in claimed) == ["calendar", "digest"]
    assert {d.kind: d.telegram_id for d in claimed}["digest"] == ORGANIZER
    assert await digest_statuses(bot, participant.id) == ["sending"]
    await services.sender.start()  # as after a crash: the row left 'sending' goes again
    await settle(bot)
    assert await digest_statuses(bot, participant.id) == ["sent"]
    assert len(await digest_lines(client, ORGANIZER)) == 1


async def test_an_organizer_who_blocked_the_bot_leaves_the_participant_reachable(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    services.series = dataclasses.replace(services.series, organizer_digest="each")
    organizer = await SimUser(client, ORGANIZER).join()
    await client.block(ORGANIZER)
    participant = await SimUser(client, 5005).join()
    await register(participant)
    await settle(bot)
    assert await digest_statuses(bot, participant.id) == ["unreachable"]
    stored = await services.participants.get(participant.id)
    assert stored is not None and stored.unreachable_at is None
    await client.unblock(ORGANIZER)
    await organizer.say("/delivery")
    report = await organizer.expect("new registration told to organizers")
    assert "unreachable" in report["text"]


async def test_no_line_about_a_participant_who_erased_their_data_before_it_went(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    services.series = dataclasses.replace(services.series, organizer_digest="each")
    await SimUser(client, ORGANIZER).join()
    await services.sender.stop()
    participant = await SimUser(client, 5006).join()
    await register(participant, calendar=False)
    stored = await services.participants.get(participant.id)
    assert stored is not None
    await participant.say("/forget")
    await participant.press(await participant.expect("Erase your personal data?"), "Yes, erase")
    await participant.expect("has been erased")
    await services.sender.start()
    await settle(bot)
    rows = await services.outbox.rows_for(stored.id)
    assert {r["kind"]: r["status"] for r in rows} == {
        "digest": "cancelled",
        "calendar": "cancelled",
    }
    assert await digest_lines(client, ORGANIZER) == []
