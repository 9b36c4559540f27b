"""End to end: /profile edits, /mydata, /forget, /cancel, declining consent, restarts."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from sandbox import SandboxClient, SandboxServer
from tests.support.bots import RunningBot
from tests.support.settings import START, TOKEN, example_series, settings_for
from tests.support.users import SimUser, register


async def test_start_when_registered_shows_the_profile(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 801).join()
    await register(user)
    await user.say("/start")
    profile = await user.expect("Your registration")
    assert "Ana Smith" in profile["text"] and "Guyana Time (UTC−4)" in profile["text"]
    assert await bot.services.participants.count() == 1


async def test_profile_edit_country_to_other_and_webinars(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 802).join()
    await register(user)
    await user.say("/profile")
    profile = await user.expect("Your registration")
    await user.press(profile, "Country")
    await user.press(await user.expect("state"), "Other")
    await user.expect("name of your country")
    await user.say("Jamaica")
    zone = await user.expect("time zone")
    assert "Guyana Time (UTC−4)." in zone["text"]  # the current zone is shown
    assert "(UTC−4).Choose" not in zone["text"]
    await user.press(zone, "Jamaica")
    updated = await user.expect("Your registration")
    assert "Jamaica" in updated["text"] and "Jamaica Time (UTC−5)" in updated["text"]
    await user.press(updated, "Webinars")
    webinars = await user.expect("webinars")
    assert webinars["text"].count("✅") == 3
    await user.drain()
    await user.press(webinars, "1.")  # toggles the first webinar off, edited in place
    edit = await user.next_event("edit")
    assert edit["text"].count("✅") == 2
    await user.press(edit, "Done")
    final = await user.expect("Your registration")
    participant = await bot.services.participants.get(802)
    assert participant is not None
    assert participant.country == "other" and participant.country_other == "Jamaica"
    assert participant.timezone == "America/Jamaica"
    assert len(participant.webinar_ids) == 2
    assert bot.services.series.webinars[0].title not in final["text"]


async def test_profile_edit_language_switches_texts(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 803).join()
    await register(user)
    await user.say("/profile")
    await user.press(await user.expect("Your registration"), "Language")
    await user.press(await user.expect("choose your language"), "Español")
    await user.expect("Su inscripción")
    await user.say("/help")
    await user.expect("Inscribo a las personas participantes")


async def test_cannot_choose_no_webinar(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 804).join()
    await register(user)
    await user.say("/profile")
    await user.press(await user.expect("Your registration"), "Webinars")
    message = await user.expect("webinars")
    await user.drain()
    for label in ("1.", "2.", "3."):
        await user.press(message, label)
        message = await user.next_event("edit")
    await user.drain()
    await user.press(message, "Done")
    assert await user.toast() == "Please choose at least one webinar."
    participant = await bot.services.participants.get(804)
    assert participant is not None and len(participant.webinar_ids) == 3


async def test_mydata_shows_everything(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 805).join()
    await register(user)
    await user.say("/mydata")
    data = await user.expect("Everything stored about you")
    for fragment in (
        "Ana Smith",
        "Guyana",
        "Police",
        "Inspector",
        "Woman",
        "ana@police.gov.gy",
        "805",
        "Privacy notice version",
    ):
        assert fragment in data["text"], fragment


async def test_forget_after_confirmation(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 806).join()
    await register(user)
    await user.say("/forget")
    await user.press(await user.expect("Erase your personal data?"), "No, keep")
    await user.expect("Nothing was erased")
    assert await bot.services.participants.get(806) is not None
    await user.say("/forget")
    await user.press(await user.expect("Erase your personal data?"), "Yes, erase")
    await user.expect("has been erased")
    assert await bot.services.participants.get(806) is None
    row = await bot.services.db.fetchone("SELECT * FROM participants")
    assert row["full_name"] is None and row["telegram_id"] is None and row["sex"] == "woman"
    await user.say("/mydata")
    await user.expect("no personal data")


async def test_cancel_mid_registration_and_decline_consent(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 807).join()
    await user.say("/start")
    await user.press(await user.expect("choose your language"), "English")
    await user.expect("full name")
    await user.say("/cancel")
    await user.expect("Stopped")
    assert await bot.services.conversations.get(807) is None
    consent = await register(
        user, country="Belize", institution="Customs", sex="Man", email=None, stop_at="consent"
    )
    await user.press(consent, "I do not agree")
    await user.expect("cannot register you")
    assert await bot.services.conversations.get(807) is None
    assert await bot.services.participants.get(807) is None


async def test_edit_from_summary(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 808).join()
    summary = await register(
        user,
        name="Ana Smyth",
        country="Belize",
        institution="Customs",
        email=None,
        stop_at="summary",
    )
    await user.press(summary, "Edit")
    await user.press(await user.expect("Which answer"), "Full name")
    await user.expect("full name")
    await user.say("Ana Smith")
    summary = await user.expect("Please check")
    assert "Ana Smith" in summary["text"]
    await user.press(summary, "Confirm")
    await user.expect("You are registered")
    participant = await bot.services.participants.get(808)
    assert participant is not None and participant.full_name == "Ana Smith"


async def test_conversation_survives_a_restart(
    sandbox: SandboxServer, client: SandboxClient, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, sandbox.api_base_url)
    first = build_application(settings, example_series(), TOKEN, clock=ManualClock(START))
    await start_polling(first, poll_timeout=1)
    user = await SimUser(client, 809).join()
    await user.say("/start")
    await user.press(await user.expect("choose your language"), "English")
    await user.expect("full name")
    await user.say("Ana Smith")
    country = await user.expect("state")
    await stop_polling(first)

    second = build_application(settings, example_series(), TOKEN, clock=ManualClock(START))
    await start_polling(second, poll_timeout=1)
    try:
        await user.press(country, "Trinidad")
        await user.press(await user.expect("institution"), "Intelligence")
        await user.expect("position")
        await user.say("Analyst")
        await user.press(await user.expect("sex"), "Woman")
        await user.press(await user.expect("e-mail"), "Skip")
        await user.press(await user.expect("webinars"), "Done")
        await user.press(await user.expect("Privacy notice"), "I agree")
        await user.press(await user.expect("Please check"), "Confirm")
        await user.expect("You are registered")
        participant = await second.bot_data["services"].participants.get(809)
        assert participant is not None and participant.full_name == "Ana Smith"
        assert participant.timezone == "America/Port_of_Spain"
    finally:
        await stop_polling(second)
