"""End to end: registrations awaiting an organizer's approval (series setting `approval`)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from bot.delivery.approval import decide
from tests.support.bots import RunningBot
from tests.support.delivery import at, settle
from tests.support.settings import START, TOKEN, example_series, settings_for
from tests.support.users import SimUser, button_data, register

if TYPE_CHECKING:
    from pathlib import Path

    from sandbox import SandboxClient, SandboxServer

ORGANIZER = 1000  # ADMIN_IDS in the tests' settings
SECOND = 2001  # an organizer added in the chat
RECEIVED = "We have received your registration"
CONFIRMED = "Your registration is confirmed"
SORRY = "cannot confirm your registration"


def with_approval(bot: RunningBot, digest: str = "each") -> None:
    """Turn approval on (and the digest with its buttons, unless told otherwise)."""
    services = bot.services
    services.series = dataclasses.replace(services.series, approval=True, organizer_digest=digest)


async def register_awaiting(user: SimUser, **answers: str | None) -> dict[str, Any]:
    """Complete the registration with approval on; return the 'received' message."""
    summary = await register(user, stop_at="summary", **answers)
    await user.press(summary, "Confirm")
    return await user.expect(RECEIVED)


async def state_of(bot: RunningBot, telegram_id: int) -> tuple[tuple[str, ...], list[str]]:
    """A participant's seats and the webinars they wait for, read through the stores."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    return participant.webinar_ids, await bot.services.approvals.awaiting_ids(participant.id)


async def decisions(bot: RunningBot, telegram_id: int) -> list[str]:
    """The statuses of the decision notices about a participant."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    rows = await bot.services.outbox.rows_for(participant.id)
    return [r["status"] for r in rows if r["kind"] == "decision"]


async def test_approved_registration_gets_seats_calendar_and_reminders(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot)
    organizer = await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 6001).join()
    received = await register_awaiting(participant)
    assert "Ana Smith" in received["text"]
    every = tuple(bot.services.webinar_ids)
    assert await state_of(bot, 6001) == ((), list(every))

    await settle(bot)
    line = await organizer.expect("New registration")
    assert "Approve" in str(line["reply_markup"]) and "Decline" in str(line["reply_markup"])

    # Nothing of a seat while waiting: no reminder when the first one falls due.
    first = bot.services.series.webinars[0]
    await at(bot, first.starts_at - timedelta(days=7))
    stored = await bot.services.participants.get(6001)
    assert stored is not None
    slot = await bot.services.db.fetchone(
        "SELECT status FROM reminder_slots WHERE webinar_id = ? AND offset_s = ?",
        (first.id, 7 * 86400),
    )
    assert slot is not None and slot["status"] == "enqueued"
    assert [r["kind"] for r in await bot.services.outbox.rows_for(stored.id)] == ["digest"]
    await participant.say("/profile")
    profile = await participant.expect("Your registration")
    assert "awaiting the organizers' confirmation" in profile["text"]

    await organizer.press(line, "Approve")
    assert await organizer.toast() == "Approved. The participant is told."
    decided = await organizer.expect("Approved by Test on")
    assert decided["reply_markup"] is None
    assert await state_of(bot, 6001) == (every, [])

    await settle(bot)
    notice = await participant.next_message()
    assert CONFIRMED in (notice["caption"] or "")
    assert notice["document"]["file_name"].endswith(".ics")
    assert await decisions(bot, 6001) == ["sent"]
    await at(bot, first.starts_at - timedelta(days=1))
    reminder = await participant.next_message()
    assert "Reminder" in reminder["text"] and first.title in reminder["text"]


async def test_declined_registration_is_told_politely_and_holds_no_seat(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot)
    organizer = await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 6002).join()
    await register_awaiting(participant)
    await settle(bot)
    await organizer.press(await organizer.expect("New registration"), "Decline")
    assert await organizer.toast() == "Declined. The participant is told."
    assert (await organizer.expect("Declined by Test on"))["reply_markup"] is None
    await settle(bot)
    notice = await participant.next_message()
    assert SORRY in notice["text"]
    assert bot.services.series.organizer in notice["text"]
    assert await state_of(bot, 6002) == ((), [])
    stored = await bot.services.participants.get(6002)
    assert stored is not None
    requests = await bot.services.approvals.requests_of(stored.id)
    assert {r["state"] for r in requests} == {"declined"}
    await participant.say("/profile")
    assert (
        "not confirmed by the organizers" in (await participant.expect("Your registration"))["text"]
    )
    await participant.say("/mydata")
    assert (
        "not confirmed by the organizers" in (await participant.expect("Everything stored"))["text"]
    )


async def test_a_second_press_by_another_organizer_changes_nothing(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot)
    organizer = await SimUser(client, ORGANIZER).join()
    second = await SimUser(client, SECOND, first_name="Bea <&> Co").join()
    await bot.services.organizers.add(SECOND, "Bea", ORGANIZER, bot.clock.now())
    participant = await SimUser(client, 6003).join()
    await register_awaiting(participant)
    await settle(bot)
    mine = await organizer.expect("New registration")
    theirs = await second.expect("New registration")

    await second.press(theirs, "Approve")
    assert await second.toast() == "Approved. The participant is told."
    await second.expect("Approved by Bea <&> Co on")
    await organizer.press(mine, "Decline")
    assert (await organizer.toast() or "").startswith("✅ Approved by Bea <&> Co on")
    assert (await organizer.expect("Approved by Bea <&> Co on"))["reply_markup"] is None
    # The same button again, from the message as it was before the edit.
    await client.press_forged(SECOND, theirs["message_id"], button_data(theirs, "Decline"))
    assert (await second.toast() or "").startswith("✅ Approved by Bea <&> Co on")
    await settle(bot)
    assert await decisions(bot, 6003) == ["sent"]
    assert await state_of(bot, 6003) == (tuple(bot.services.webinar_ids), [])
    assert CONFIRMED in ((await participant.next_message())["caption"] or "")
    await participant.expect_nothing_more()


async def test_a_participant_cannot_press_an_organizers_button(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot)
    organizer = await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 6004).join()
    await register_awaiting(participant)
    await settle(bot)
    line = await organizer.expect("New registration")
    received = (await client.transcript(6004))[-1]
    await participant.drain()
    await client.press_forged(6004, received["message_id"], button_data(line, "Approve"))
    assert await participant.toast() == "That button is not valid."
    await participant.say("/pending")
    await participant.expect("did not understand")
    assert await state_of(bot, 6004) == ((), list(bot.services.webinar_ids))
    assert await decisions(bot, 6004) == []


async def test_a_press_after_the_participant_erased_their_data(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot)
    organizer = await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 6005).join()
    await register_awaiting(participant)
    await settle(bot)
    line = await organizer.expect("New registration")
    stored = await bot.services.participants.get(6005)
    assert stored is not None
    await participant.say("/forget")
    await participant.press(await participant.expect("Erase your personal data?"), "Yes, erase")
    await participant.expect("has been erased")
    assert await bot.services.approvals.requests_of(stored.id) == []

    await organizer.press(line, "Approve")
    assert (await organizer.toast() or "").startswith("Nothing awaits a decision here any more")
    assert (await organizer.expect("Nothing awaits"))["reply_markup"] is None
    erased = await bot.services.participants.by_id(stored.id)
    assert erased is not None and erased.webinar_ids == ()
    rows = await bot.services.outbox.rows_for(stored.id)
    assert [r["kind"] for r in rows if r["kind"] == "decision"] == []


async def test_pending_lists_who_waits_oldest_first_and_decides_from_there(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot, digest="off")
    organizer = await SimUser(client, ORGANIZER).join()
    await organizer.say("/pending")
    await organizer.expect("No registration awaits your approval")
    for n, name in enumerate(("Ana First", "Bob Second", "Cy Third")):
        user = await SimUser(client, 6010 + n).join()
        await register_awaiting(user, name=name)
        bot.clock.advance(timedelta(minutes=5))
    await organizer.say("/pending")
    await organizer.expect("3 participants await your approval")
    entries = [await organizer.expect(name) for name in ("Ana First", "Bob Second", "Cy Third")]
    assert all("Approve" in str(e["reply_markup"]) for e in entries)
    await organizer.press(entries[1], "Approve")
    assert await organizer.toast() == "Approved. The participant is told."
    await organizer.expect("Approved by Test on")
    await organizer.say("/pending")
    await organizer.expect("2 participants await your approval")
    assert "Ana First" in (await organizer.next_message())["text"]
    assert "Cy Third" in (await organizer.next_message())["text"]
    await organizer.expect_nothing_more()
    await settle(bot)
    assert await decisions(bot, 6011) == ["sent"]


async def test_pending_caps_a_long_list_and_says_how_many(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot, digest="off")
    organizer = await SimUser(client, ORGANIZER).join()
    for n in range(12):
        draft = {
            "language": "en",
            "full_name": f"Waiting {n:02d}",
            "country": "GY",
            "timezone": "America/Guyana",
            "institution": "police",
            "position": "Officer",
            "sex": "man",
            "email": None,
            "webinars": bot.services.webinar_ids[:1],
            "consent_at": "2027-01-05T14:00:00Z",
            "consent_version": "test",
        }
        await bot.services.participants.create(7000 + n, draft, bot.clock.now(), approval=True)
        bot.clock.advance(timedelta(minutes=1))
    await organizer.say("/pending")
    await organizer.expect("12 participants await your approval")
    names = [(await organizer.next_message())["text"] for _ in range(10)]
    assert [name.split("\n")[0] for name in names] == [
        f"⏳ Waiting {n:02d} · Guyana · Police · Man" for n in range(10)
    ]
    await organizer.expect_nothing_more()


async def test_nothing_is_lost_or_sent_twice_across_restarts(
    sandbox: SandboxServer, client: SandboxClient, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, sandbox.api_base_url)
    series = dataclasses.replace(example_series(), approval=True, organizer_digest="each")
    clock = ManualClock(START)

    async def started() -> RunningBot:
        application = build_application(settings, series, TOKEN, clock=clock)
        await start_polling(application, poll_timeout=1)
        return RunningBot(application, clock)

    organizer = await SimUser(client, ORGANIZER).join()
    participant = await SimUser(client, 6020).join()
    first = await started()
    try:
        await register_awaiting(participant)
        await settle(first)
        line = await organizer.expect("New registration")
    finally:
        await stop_polling(first.application)

    second = await started()
    try:
        assert await state_of(second, 6020) == ((), list(second.services.webinar_ids))
        await second.services.sender.stop()  # the decision is taken, its notice not yet sent
        await organizer.press(line, "Approve")
        assert await organizer.toast() == "Approved. The participant is told."
        await organizer.expect("Approved by Test on")
        assert await decisions(second, 6020) == ["pending"]
    finally:
        await stop_polling(second.application)

    third = await started()
    try:
        await settle(third)
        assert CONFIRMED in ((await participant.next_message())["caption"] or "")
        assert await decisions(third, 6020) == ["sent"]
        await third.services.sender.stop()
        await third.services.sender.start()
        await settle(third)
        assert await decisions(third, 6020) == ["sent"]
        await participant.expect_nothing_more()
    finally:
        await stop_polling(third.application)


async def test_approval_turned_on_keeps_registrations_and_turned_off_keeps_requests(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    earlier = await SimUser(client, 6030).join()
    await register(earlier)  # approval off: seats at once, as always
    every = tuple(bot.services.webinar_ids)
    assert await state_of(bot, 6030) == (every, [])

    with_approval(bot)
    assert await state_of(bot, 6030) == (every, [])
    waiting = await SimUser(client, 6031).join()
    await register_awaiting(waiting)

    bot.services.series = dataclasses.replace(bot.services.series, approval=False)
    assert await state_of(bot, 6031) == ((), list(every))
    await settle(bot)
    line = await organizer.expect("New registration: Guyana · Police · Woman · webinars: 3")
    assert "Approve" in str(line["reply_markup"])
    await organizer.say("/pending")
    await organizer.expect("1 participant awaits your approval")
    assert "Ana Smith" in (await organizer.next_message())["text"]
    await organizer.say("/stats")
    await organizer.expect("Preparing the statistics")
    figures = await organizer.expect("Statistics")
    assert "Participants awaiting your approval (not counted above): 1." in figures["text"]


async def test_a_webinar_added_later_waits_too(bot: RunningBot, client: SandboxClient) -> None:
    participant = await SimUser(client, 6040).join()
    await register(participant)
    with_approval(bot, digest="off")
    await participant.drain()
    await participant.say("/schedule")
    schedule = await participant.expect("webinar")
    await participant.press(schedule, "Leave webinar 2")
    assert await participant.toast() == "You left that webinar."
    left = await participant.expect("webinar")
    await participant.press(left, "Register for webinar 2")
    assert "awaits the organizers' confirmation" in (await participant.toast() or "")
    ids = bot.services.webinar_ids
    seats, awaiting = await state_of(bot, 6040)
    assert ids[1] not in seats and awaiting == [ids[1]]

    # Changing the name keeps the waiting webinar waiting.
    await participant.say("/profile")
    await participant.press(await participant.expect("Your registration"), "Full name")
    await participant.expect("full name")
    await participant.say("Ana Renamed")
    profile = await participant.expect("Ana Renamed")
    assert "awaiting the organizers' confirmation" in profile["text"]
    assert await state_of(bot, 6040) == (seats, [ids[1]])


async def test_webinars_added_in_the_profile_wait_and_can_be_withdrawn(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 6050).join()
    await register(user)
    ids = bot.services.webinar_ids

    async def toggle_first(profile: dict[str, Any], checked: int) -> dict[str, Any]:
        """Change the webinars in the profile: toggle the first one, then Done."""
        await user.press(profile, "Webinars")
        webinars = await user.expect("webinars")
        assert webinars["text"].count("✅") == checked
        await user.drain()
        await user.press(webinars, "1.")
        await user.press(await user.next_event("edit"), "Done")
        return await user.expect("Your registration")

    await user.say("/profile")
    profile = await toggle_first(await user.expect("Your registration"), 3)
    assert await state_of(bot, 6050) == (tuple(ids[1:]), [])

    with_approval(bot, digest="off")
    profile = await toggle_first(profile, 2)
    assert "awaiting the organizers' confirmation" in profile["text"]
    assert await state_of(bot, 6050) == (tuple(ids[1:]), [ids[0]])

    # The waiting webinar shows as chosen; unticking it withdraws the request.
    profile = await toggle_first(profile, 3)
    assert "awaiting" not in profile["text"]
    assert await state_of(bot, 6050) == (tuple(ids[1:]), [])


async def test_two_organizers_deciding_at_the_same_moment_make_one_decision(
    bot: RunningBot, client: SandboxClient
) -> None:
    with_approval(bot, digest="off")
    participant = await SimUser(client, 6060).join()
    await register_awaiting(participant)
    stored = await bot.services.participants.get(6060)
    assert stored is not None
    both = await asyncio.gather(
        decide(bot.services, stored.id, "y", ORGANIZER, "Ann"),
        decide(bot.services, stored.id, "n", SECOND, "Bea"),
    )
    assert sorted(d.outcome for d in both) == ["approved", "decided"]
    assert next(d for d in both if d.outcome == "decided").action == "approved"
    assert await state_of(bot, 6060) == (tuple(bot.services.webinar_ids), [])
    await settle(bot)
    assert await decisions(bot, 6060) == ["sent"]
