"""End to end: the calendar file after registration, an outbox row queued with the registration."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from bot.delivery.series_changes import apply_series
from tests.support.delivery import settle
from tests.support.organizers import ORGANIZER
from tests.support.users import SPANISH_BELIZE, SimUser, register

if TYPE_CHECKING:
    from typing import Any

    from sandbox import SandboxClient
    from tests.support.bots import RunningBot


async def calendar_rows(bot: RunningBot, telegram_id: int) -> list[str]:
    """The statuses of the calendar rows of one participant, via the storage API."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    rows = await bot.services.outbox.rows_for(participant.id)
    return [r["status"] for r in rows if r["kind"] == "calendar"]


async def documents(client: SandboxClient, telegram_id: int) -> list[dict[str, Any]]:
    """The documents the bot has sent to a user."""
    return [
        m["document"]
        for m in await client.transcript(telegram_id)
        if m["from_bot"] and m["document"]
    ]


async def test_the_file_comes_after_the_confirmation_and_once_after_a_sender_outage(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    await services.sender.stop()  # down between Confirm and the upload, as in a crash
    participant = await SimUser(client, 5301).join()
    final = await register(participant, calendar=False)
    assert "You are registered" in final["text"]
    assert await calendar_rows(bot, participant.id) == ["pending"]
    assert await documents(client, participant.id) == []
    await services.sender.start()
    invite = await participant.next_message()
    assert (invite["document"] or {}).get("file_name", "").endswith(".ics"), invite
    await settle(bot)
    assert await calendar_rows(bot, participant.id) == ["sent"]
    assert len(await documents(client, participant.id)) == 1
    organizer = await SimUser(client, ORGANIZER).join()
    await organizer.say("/delivery")
    report = await organizer.expect("Delivery report")
    lines = report["text"].split("\n")
    at = lines.index("Other messages")
    assert lines[at + 1] == " • calendar file after registration: sent 1", lines


async def test_no_file_for_someone_who_got_only_places_on_waiting_lists(
    bot: RunningBot, client: SandboxClient
) -> None:
    series = bot.services.series
    full = tuple(dataclasses.replace(w, capacity=1) for w in series.webinars)
    await apply_series(bot.services, dataclasses.replace(series, webinars=full))
    await register(await SimUser(client, 5302).join())
    late = await SimUser(client, 5303).join()
    told = await register(late, calendar=False)
    assert told["text"].count("waiting list") >= len(full), told["text"]
    await settle(bot)
    assert await calendar_rows(bot, late.id) == []
    assert await documents(client, late.id) == []


async def test_the_file_in_spanish_names_the_participant(
    bot: RunningBot, client: SandboxClient
) -> None:
    maria = await SimUser(client, 5304, language_code="es").join()
    await register(maria, calendar=False, **SPANISH_BELIZE)
    invite = await maria.next_message()
    assert invite["caption"], invite
    content = (await client.file_content(invite["document"]["file_id"])).decode()
    assert "ATTENDEE" in content and SPANISH_BELIZE["email"] in content, content
    title_es = bot.services.series.webinars[0].title_for("es")
    assert title_es[:20] in content.replace("\r\n ", ""), content
