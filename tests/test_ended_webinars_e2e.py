"""Ended webinars are neither offered nor joinable; a late registrant gets one "starts soon"."""

from __future__ import annotations

from datetime import timedelta

from sandbox import SandboxClient
from storage.schedule import Slot
from tests.support.bots import RunningBot
from tests.support.users import SimUser, register

FIVE = timedelta(minutes=5)


async def test_an_ended_webinar_is_not_chosen_nor_joinable(
    bot: RunningBot, client: SandboxClient
) -> None:
    webinars = bot.services.series.webinars
    first = webinars[0]
    bot.clock.advance(first.ends_at + timedelta(minutes=1) - bot.clock.now())
    user = await SimUser(client, 905).join()
    await register(user)  # keeps the preselected choice
    participant = await bot.services.participants.get(905)
    assert participant is not None
    assert first.id not in participant.webinar_ids
    assert set(participant.webinar_ids) == {w.id for w in webinars[1:]}

    await user.say("/schedule")
    schedule = await user.next_message()
    await user.drain()
    await client.press_forged(905, schedule["message_id"], "s:join:0")
    assert await user.toast() == "That webinar has already ended."
    participant = await bot.services.participants.get(905)
    assert participant is not None and first.id not in participant.webinar_ids


async def test_its_button_during_registration_is_refused(
    bot: RunningBot, client: SandboxClient
) -> None:
    first = bot.services.series.webinars[0]
    bot.clock.advance(first.ends_at + timedelta(minutes=1) - bot.clock.now())
    user = await SimUser(client, 906).join()
    answers = {"email": "x@y.org"}
    await user.say("/start")
    await user.press(await user.expect("choose your language"), "English")
    await user.expect("full name")
    await user.say("Ana Smith")
    await user.press(await user.expect("state"), "Guyana")
    await user.press(await user.expect("institution"), "Police")
    await user.expect("position")
    await user.say("Inspector")
    await user.press(await user.expect("sex"), "Woman")
    await user.expect("e-mail")
    await user.say(answers["email"])
    choice = await user.expect("webinars")
    await user.drain()
    await user.press(choice, "1.")
    assert await user.toast() == "That webinar has already ended."
    conv = await bot.services.conversations.get(906)
    assert conv is not None and first.id not in conv.data["webinar_choice"]


async def test_one_starts_soon_message_for_a_late_registrant(
    bot: RunningBot, client: SandboxClient
) -> None:
    webinar = bot.services.series.webinars[0]
    start = webinar.starts_at
    bot.clock.advance(start - timedelta(minutes=7) - bot.clock.now())
    user = await SimUser(client, 907).join()
    await register(user)
    await user.expect("starts in 7 minutes")
    schedule = bot.services.schedule
    # "starts in 5 minutes", two minutes after "starts in 7 minutes": nothing new, not sent
    assert await schedule.fill_slot(Slot(webinar.id, FIVE, start, start - FIVE), start, None) == 0
    # one minute before, six after the first message: a real reminder, sent
    one = timedelta(minutes=1)
    assert await schedule.fill_slot(Slot(webinar.id, one, start, start - one), start, None) == 1
    start_slot = Slot(webinar.id, timedelta(0), start, start)
    assert await schedule.fill_slot(start_slot, start, None) == 1
