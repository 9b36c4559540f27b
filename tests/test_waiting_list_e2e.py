"""End to end: a webinar's capacity, its waiting list and freed seats, through the sandbox."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.delivery.series_changes import apply_series
from bot.delivery.waiting_list import grant_free_seats
from bot.reporting.export_rows import ExportContext, connect_readonly, participant_rows
from storage.waiting_list import SEAT_KIND
from tests.support.delivery import bot_texts, settle
from tests.support.users import SPANISH_BELIZE, SimUser, register

if TYPE_CHECKING:
    from bot.domain.series import Series
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot

ORGANIZER = 1000  # ADMIN_IDS in the tests' settings
SEAT_FREE = "A seat became free"


def with_capacity(series: Series, capacity: int | None) -> Series:
    """The series with a capacity on its first webinar (None: unlimited)."""
    first = dataclasses.replace(series.webinars[0], capacity=capacity)
    return dataclasses.replace(series, webinars=(first, *series.webinars[1:]))


async def limit_first(bot: RunningBot, capacity: int | None) -> str:
    """Put a capacity on the first webinar as the series file would; return its title."""
    await apply_series(bot.services, with_capacity(bot.services.series, capacity))
    return bot.services.series.webinars[0].title


async def register_waiting(user: SimUser, place: int, title: str) -> dict[str, Any]:
    """Register (every webinar) and check the confirmation tells the first one's list and place."""
    told = await register(user)
    assert f"you are number {place} on its waiting list" in told["text"], told["text"]
    assert title in told["text"], told["text"]
    return told


async def seat_messages(client: SandboxClient, user_id: int) -> list[str]:
    """The "a seat became free" messages the bot has sent to a user."""
    return [text for text in await bot_texts(client, user_id) if SEAT_FREE in text]


async def waiting_for(bot: RunningBot, telegram_id: int) -> dict[str, int]:
    """A participant's places on waiting lists, as stored."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    return participant.waiting_list


async def seated(bot: RunningBot, telegram_id: int) -> tuple[str, ...]:
    """The webinars a participant holds a seat in, as stored."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    return participant.webinar_ids


async def leave_first_webinar(user: SimUser) -> None:
    """Leave the first webinar with its button under /schedule."""
    await user.say("/schedule")
    schedule = await user.next_message()
    await user.drain()
    await user.press(schedule, "Leave webinar 1")
    assert await user.toast() == "You left that webinar."
    await user.next_event("edit")


async def test_a_full_webinar_queues_in_order_and_a_freed_seat_moves_the_first_up(
    bot: RunningBot, client: SandboxClient
) -> None:
    title = await limit_first(bot, 1)
    first_id = bot.services.series.webinars[0].id
    ana = await SimUser(client, 5101).join()
    ben = await SimUser(client, 5102).join()
    cleo = await SimUser(client, 5103).join()
    await register(ana)
    await register_waiting(ben, 1, title)
    await register_waiting(cleo, 2, title)
    assert first_id in await seated(bot, ana.id)
    assert first_id not in await seated(bot, ben.id)
    assert await waiting_for(bot, cleo.id) == {first_id: 2}

    await cleo.say("/profile")
    profile = await cleo.expect("Your registration")
    assert f"{title} — " in profile["text"] and "waiting list: number 2" in profile["text"]
    await cleo.say("/schedule")
    schedule = await cleo.next_message()
    assert "⏳ waiting list: number 2" in schedule["text"], schedule["text"]
    # No join link, no calendar file for a webinar without a seat; asking again gives the place.
    assert "/join/crime-gun-strategy" not in schedule["text"]
    assert "Webinar 1: add to calendar" not in str(schedule["reply_markup"])
    await cleo.drain()
    await cleo.press(schedule, "Register for webinar 1")
    assert await cleo.toast() == "That webinar is full: you are number 2 on its waiting list."
    assert await waiting_for(bot, cleo.id) == {first_id: 2}

    await leave_first_webinar(ana)
    told = await ben.expect(SEAT_FREE)
    assert title in told["text"]
    assert "20 January 2027, 10:00 (UTC−4)" in told["text"], told["text"]
    await ben.press(told, "calendar")
    invite = await ben.next_message()
    assert (invite["document"] or {}).get("file_name", "").endswith(".ics"), invite
    await settle(bot)
    assert first_id in await seated(bot, ben.id)
    assert await waiting_for(bot, ben.id) == {}
    assert await waiting_for(bot, cleo.id) == {first_id: 1}
    assert await seat_messages(client, cleo.id) == []
    await cleo.expect_nothing_more()

    # A restart (sender stopped and started, the series put in force again) sends nothing twice.
    await bot.services.sender.stop()
    await bot.services.sender.start()
    await apply_series(bot.services, bot.services.series)
    await settle(bot)
    assert len(await seat_messages(client, ben.id)) == 1
    assert await waiting_for(bot, cleo.id) == {first_id: 1}


async def test_a_seat_freed_before_a_crash_goes_to_the_first_waiting_at_the_next_start(
    bot: RunningBot, client: SandboxClient
) -> None:
    title = await limit_first(bot, 1)
    services = bot.services
    first_id = services.series.webinars[0].id
    ana = await SimUser(client, 5111).join()
    ben = await SimUser(client, 5112).join()
    await register(ana)
    await register_waiting(ben, 1, title)
    # Ana's seat is given up, and the bot stops before anyone is moved up.
    rest = [w.id for w in services.series.webinars[1:]]
    await services.participants.update_profile(ana.id, {"webinars": rest}, bot.clock.now())
    assert await waiting_for(bot, ben.id) == {first_id: 1}
    # At start-up the series is put in force again (before the sender starts): the free seat
    # goes to Ben, and his message waits in the outbox until the sender runs.
    await services.sender.stop()
    await apply_series(services, services.series)
    assert first_id in await seated(bot, ben.id)
    queued = await services.db.fetchall("SELECT status FROM outbox WHERE kind = ?", (SEAT_KIND,))
    assert [row["status"] for row in queued] == ["pending"]
    await services.sender.start()
    told = await ben.expect(SEAT_FREE)
    assert title in told["text"]
    await settle(bot)
    await apply_series(services, services.series)
    await settle(bot)
    assert len(await seat_messages(client, ben.id)) == 1
    assert first_id in await seated(bot, ben.id)


async def test_two_people_confirming_at_once_for_the_last_seat(
    bot: RunningBot, client: SandboxClient
) -> None:
    await limit_first(bot, 1)
    first_id = bot.services.series.webinars[0].id
    users = [await SimUser(client, 5120 + i).join() for i in range(2)]
    summaries = [await register(user, stop_at="summary") for user in users]
    await asyncio.gather(
        *(user.press(summary, "Confirm") for user, summary in zip(users, summaries, strict=True))
    )
    confirmations = [await user.expect("You are registered") for user in users]
    occupancy = (await bot.services.waiting_list.occupancy())[first_id]
    assert (occupancy.seats, occupancy.waiting) == (1, 1)
    places = [await waiting_for(bot, user.id) for user in users]
    assert sorted(places, key=len) == [{}, {first_id: 1}]
    waiting = places.index({first_id: 1})
    told = confirmations[waiting]["text"]
    assert "you are number 1 on its waiting list" in told, told
    assert "waiting list" not in confirmations[1 - waiting]["text"]
    invite = await users[waiting].next_message()
    assert (invite["document"] or {}).get("file_name", "").endswith(".ics"), invite


async def test_raising_the_capacity_moves_people_up_in_order_and_lowering_removes_no_one(
    bot: RunningBot, client: SandboxClient
) -> None:
    title = await limit_first(bot, 1)
    services = bot.services
    first_id = services.series.webinars[0].id
    users = [await SimUser(client, 5130 + i).join() for i in range(4)]
    await register(users[0])
    for place, user in enumerate(users[1:], 1):
        await register_waiting(user, place, title)

    await limit_first(bot, 3)  # the series file reloaded with two more seats
    for user in users[1:3]:
        await user.expect(SEAT_FREE)
    await settle(bot)
    assert await waiting_for(bot, users[3].id) == {first_id: 1}
    assert await seat_messages(client, users[3].id) == []
    first_seat = {
        row["participant_id"]: row["id"]
        for row in await services.db.fetchall(
            "SELECT id, participant_id FROM outbox WHERE kind = ?", (SEAT_KIND,)
        )
    }
    ids = [(await services.participants.get(u.id)).id for u in users[1:3]]  # type: ignore[union-attr]
    assert first_seat[ids[0]] < first_seat[ids[1]], "the first waiting is seated first"

    await limit_first(bot, 1)  # lowered below the seats taken
    occupancy = (await services.waiting_list.occupancy())[first_id]
    assert (occupancy.seats, occupancy.waiting) == (3, 1)
    for user in users[:3]:
        assert first_id in await seated(bot, user.id)

    organizer = await SimUser(client, ORGANIZER, timeout=30).join()
    await organizer.say("/stats")
    await organizer.next_message()
    stats = await organizer.next_event("edit")
    assert "Seats: 3/1, waiting list: 1" in stats["text"], stats["text"]

    with connect_readonly(services.settings.database_path) as queries:
        exported = {
            row[0]: row[-2:]
            for row in participant_rows(queries, ExportContext.build(services.series), None)
        }
    waiting_id = (await services.participants.get(users[3].id)).id  # type: ignore[union-attr]
    assert exported[waiting_id] == (";".join(w.id for w in services.series.webinars[1:]), first_id)
    assert exported[ids[0]][1] == ""

    await limit_first(bot, None)  # the capacity taken out of the series: everyone is seated
    await users[3].expect(SEAT_FREE)
    assert first_id in await seated(bot, users[3].id)


async def test_forget_frees_the_seat_and_erases_the_place_on_the_list(
    bot: RunningBot, client: SandboxClient
) -> None:
    title = await limit_first(bot, 1)
    services = bot.services
    first_id = services.series.webinars[0].id
    ana = await SimUser(client, 5141).join()
    ben = await SimUser(client, 5142).join()
    cleo = await SimUser(client, 5143).join()
    await register(ana)
    await register_waiting(ben, 1, title)
    await register_waiting(cleo, 2, title)
    cleo_id = (await services.participants.get(cleo.id)).id  # type: ignore[union-attr]
    await cleo.say("/mydata")
    stored = await cleo.expect("Everything stored about you")
    assert "waiting list: number 2" in stored["text"]

    for user in (cleo, ana):
        await user.say("/forget")
        await user.press(await user.expect("Erase your personal data?"), "Yes, erase")
        await user.expect("has been erased")
    requests = await services.db.fetchall(
        "SELECT * FROM registration_requests WHERE participant_id = ?", (cleo_id,)
    )
    assert requests == []
    told = await ben.expect(SEAT_FREE)
    assert title in told["text"]
    await settle(bot)
    occupancy = (await services.waiting_list.occupancy())[first_id]
    assert (occupancy.seats, occupancy.waiting) == (1, 0)


async def test_leaving_a_waiting_list_in_the_profile(
    bot: RunningBot, client: SandboxClient
) -> None:
    title = await limit_first(bot, 1)
    first_id = bot.services.series.webinars[0].id
    ana = await SimUser(client, 5151).join()
    ben = await SimUser(client, 5152).join()
    await register(ana)
    await register_waiting(ben, 1, title)
    await ben.say("/profile")
    await ben.press(await ben.expect("Your registration"), "Webinars")
    choice = await ben.expect("webinars")
    await ben.drain()
    await ben.press(choice, "1.")
    redrawn = await ben.next_event("edit")
    await ben.drain()
    await ben.press(redrawn, "Done")
    profile = await ben.expect("Your registration")
    assert "waiting list" not in profile["text"]
    assert await waiting_for(bot, ben.id) == {}
    assert first_id not in await seated(bot, ben.id)
    # Back on the list from the schedule's button, at its end.
    await ben.say("/schedule")
    schedule = await ben.next_message()
    await ben.drain()
    await ben.press(schedule, "Register for webinar 1")
    assert await ben.toast() == "That webinar is full: you are number 1 on its waiting list."
    redrawn = await ben.next_event("edit")
    assert "⏳ waiting list: number 1" in redrawn["text"]
    await leave_first_webinar(ana)
    await ben.expect(SEAT_FREE)


async def test_nothing_moves_for_a_webinar_that_ended(
    bot: RunningBot, client: SandboxClient
) -> None:
    title = await limit_first(bot, 1)
    services = bot.services
    first = services.series.webinars[0]
    ana = await SimUser(client, 5161).join()
    ben = await SimUser(client, 5162).join()
    await register(ana)
    await register_waiting(ben, 1, title)
    bot.clock.set(first.ends_at + timedelta(minutes=1))
    rest = [w.id for w in services.series.webinars[1:]]
    await services.participants.update_profile(ana.id, {"webinars": rest}, bot.clock.now())
    assert await grant_free_seats(services) == 0
    assert await waiting_for(bot, ben.id) == {first.id: 1}


async def test_without_a_capacity_everyone_gets_a_seat(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    users = [await SimUser(client, 5170 + i).join() for i in range(3)]
    for user in users:
        await register(user)
        await user.expect_nothing_more()
        assert await seated(bot, user.id) == tuple(w.id for w in services.series.webinars)
    occupancy = await services.waiting_list.occupancy()
    assert all(o.waiting == 0 for o in occupancy.values())


async def test_the_waiting_list_and_the_seat_are_told_in_the_participants_language(
    bot: RunningBot, client: SandboxClient
) -> None:
    await limit_first(bot, 1)
    title_es = bot.services.series.webinars[0].title_for("es")
    ana = await SimUser(client, 5181).join()
    maria = await SimUser(client, 5182, language_code="es").join()
    await register(ana)
    told = await register(maria, **SPANISH_BELIZE)
    assert "usted es el número 1 de su lista de espera" in told["text"], told["text"]
    assert title_es in told["text"]
    await leave_first_webinar(ana)
    seat = await maria.expect("Se liberó una plaza")
    assert title_es in seat["text"] and "(UTC−6)" in seat["text"], seat["text"]
