"""End to end: approval of registrations together with a webinar's capacity and waiting list."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from bot.delivery.approval import decide
from bot.delivery.series_changes import apply_series
from tests.support.delivery import bot_texts, settle
from tests.support.users import SimUser, register

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot

ORGANIZER = 1000  # ADMIN_IDS in the tests' settings
CONFIRMED = "Your registration is confirmed"
QUEUED = "The organizers have confirmed your registration"


async def first_webinar_seats(bot: RunningBot, capacity: int) -> str:
    """Give the first webinar a capacity, as the series file would; return its id."""
    series = bot.services.series
    first = dataclasses.replace(series.webinars[0], capacity=capacity)
    await apply_series(
        bot.services, dataclasses.replace(series, webinars=(first, *series.webinars[1:]))
    )
    return first.id


def approval_on(bot: RunningBot) -> None:
    """Turn approval on, without the digest (decisions are taken as /pending would)."""
    bot.services.series = dataclasses.replace(bot.services.series, approval=True)


async def register_awaiting(bot: RunningBot, user: SimUser) -> int:
    """Complete the registration with approval on; return the participant's id."""
    summary = await register(user, stop_at="summary")
    await user.press(summary, "Confirm")
    await user.expect("We have received your registration")
    await user.drain()
    participant = await bot.services.participants.get(user.id)
    assert participant is not None
    return participant.id


async def test_approving_into_a_full_webinar_gives_a_place_and_says_so(
    bot: RunningBot, client: SandboxClient
) -> None:
    first = await first_webinar_seats(bot, 1)
    ana = await SimUser(client, 7101).join()
    await register(ana)
    approval_on(bot)
    ben = await SimUser(client, 7102).join()
    ben_id = await register_awaiting(bot, ben)

    decision = await decide(bot.services, ben_id, "y", ORGANIZER, "Test")
    others = tuple(w for w in bot.services.webinar_ids if w != first)
    assert (decision.webinar_ids, decision.queued) == (others, (first,))
    stored = await bot.services.participants.get(7102)
    assert stored is not None
    assert (stored.webinar_ids, stored.waiting_list) == (others, {first: 1})

    await settle(bot)
    told = await bot_texts(client, 7102)
    assert any(QUEUED in text and "you are number 1 on its waiting list" in text for text in told)
    calendar = [m for m in await client.transcript(7102) if CONFIRMED in (m["caption"] or "")]
    assert len(calendar) == 1

    # Ana leaves: the seat goes to Ben, who is told, once.
    await ana.say("/schedule")
    schedule = await ana.next_message()
    await ana.drain()
    await ana.press(schedule, "Leave webinar 1")
    assert await ana.toast() == "You left that webinar."
    await settle(bot)
    stored = await bot.services.participants.get(7102)
    assert stored is not None and first in stored.webinar_ids and stored.waiting_list == {}
    seat_told = [t for t in await bot_texts(client, 7102) if "A seat became free" in t]
    assert len(seat_told) == 1


async def test_a_place_given_before_the_notice_went_out_cancels_the_notice(
    bot: RunningBot, client: SandboxClient
) -> None:
    first = await first_webinar_seats(bot, 1)
    ana = await SimUser(client, 7201).join()
    await register(ana)
    approval_on(bot)
    ben = await SimUser(client, 7202).join()
    ben_id = await register_awaiting(bot, ben)
    decision = await decide(bot.services, ben_id, "y", ORGANIZER, "Test")
    assert decision.queued == (first,)

    # Ana erases her data before the sender ran: Ben moves up before his place was told.
    await ana.say("/forget")
    await ana.press(await ana.expect("Erase your personal data?"), "Yes, erase")
    await ana.expect("has been erased")
    await settle(bot)
    rows = await bot.services.outbox.rows_for(ben_id)
    notices = {r["purpose"].split("|")[0]: r["status"] for r in rows if r["kind"] == "decision"}
    assert notices == {"approved": "sent", "queued": "cancelled"}
    texts = await bot_texts(client, 7202)
    assert not any(QUEUED in text for text in texts)
    assert sum("A seat became free" in text for text in texts) == 1


async def test_a_profile_change_keeps_a_place_on_the_list_with_approval_on(
    bot: RunningBot, client: SandboxClient
) -> None:
    first = await first_webinar_seats(bot, 1)
    await register(await SimUser(client, 7301).join())
    cleo = await SimUser(client, 7302).join()
    told = await register(cleo)
    assert "you are number 1 on its waiting list" in told["text"], told["text"]
    approval_on(bot)

    await cleo.say("/profile")
    await cleo.press(await cleo.expect("Your registration"), "Full name")
    await cleo.expect("full name")
    await cleo.say("Cleo Renamed")
    profile = await cleo.expect("Cleo Renamed")
    assert "waiting list: number 1" in profile["text"]
    assert "awaiting the organizers' confirmation" not in profile["text"]
    stored = await bot.services.participants.get(7302)
    assert stored is not None and stored.waiting_list == {first: 1}
    assert await bot.services.approvals.awaiting_ids(stored.id) == []


async def test_the_digest_line_counts_the_webinars_waited_for(
    bot: RunningBot, client: SandboxClient
) -> None:
    await first_webinar_seats(bot, 1)
    await register(await SimUser(client, 7401).join())
    bot.services.series = dataclasses.replace(bot.services.series, organizer_digest="each")
    organizer = await SimUser(client, ORGANIZER).join()
    dana = await SimUser(client, 7402).join()
    told = await register(dana)
    assert "you are number 1 on its waiting list" in told["text"], told["text"]
    await settle(bot)
    line = await organizer.expect("New registration")
    assert line["text"].endswith(f"webinars: {len(bot.services.webinar_ids)}")
