"""End to end: bad input at every step gets a polite answer and never corrupts the data."""

from __future__ import annotations

import asyncio

from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.users import SimUser, button_data, register


async def start_to_name(user: SimUser) -> None:
    """Open registration and choose English."""
    await user.say("/start")
    await user.press(await user.expect("choose your language"), "English")
    await user.expect("full name")


async def test_bad_names_are_refused_politely(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 701).join()
    await start_to_name(user)
    await user.say("\u200b\u200b")  # invisible characters only: empty once cleaned
    await user.expect("empty")
    await user.say("x" * 5000)
    refusal = await user.expect("5000 characters")
    assert "between 2 and 100" in refusal["text"]
    await user.say("😀🎉")
    await user.expect("at least two letters")
    await user.say("<b>Ana</b> & Co")
    await user.expect("state")
    conv = await bot.services.conversations.get(701)
    assert conv is not None and conv.data["full_name"] == "<b>Ana</b> & Co"


async def test_html_in_answers_is_shown_escaped(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 702).join()
    final = await register(user, name="<b>Ana</b> & <i>Co", position="Chief <script>")
    assert "<b>Ana</b> & <i>Co" in final["text"]  # shown literally, not as formatting
    await user.say("/profile")
    profile = await user.expect("Your registration")
    assert "Chief <script>" in profile["text"] and "<b>Ana</b> & <i>Co" in profile["text"]
    assert "&lt;script&gt;" in profile["html"]
    participant = await bot.services.participants.get(702)
    assert participant is not None and participant.position == "Chief <script>"


async def test_malformed_email_then_skip(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 703).join()
    await start_to_name(user)
    await user.say("Ana Smith")
    await user.press(await user.expect("state"), "Other")
    await user.expect("name of your country")
    await user.say("x" * 500)
    await user.expect("between 2 and 80")
    await user.say("Jamaica")
    zone = await user.expect("time zone")
    await user.say("Mars/Olympus")
    await user.expect("do not know that time zone")
    await user.say("utc-5")
    await user.press(await user.expect("institution"), "Other")
    await user.expect("name or type of your institution")
    await user.say("Office of the Prime Minister")
    await user.expect("position")
    await user.say("Adviser")
    await user.press(await user.expect("sex"), "Man")
    email = await user.expect("e-mail")
    for bad in ("not-an-email", "a@b", "a@@b.org", "a b@c.org", "x" * 300 + "@a.org"):
        await user.say(bad)
        await user.expect("does not look like an e-mail")
    await user.press(email, "Skip")
    await user.expect("webinars")
    conv = await bot.services.conversations.get(703)
    assert conv is not None
    assert conv.data["timezone"] == "Etc/GMT+5" and conv.data["email"] is None
    assert conv.data["country_other"] == "Jamaica"
    assert "time zone" in zone["text"]


async def test_typing_when_a_button_is_expected(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 704).join()
    await start_to_name(user)
    await user.say("Ana Smith")
    first = await user.expect("state")
    await user.say("the blue one")
    lifted = await user.expect("state")
    assert lifted["message_id"] == first["message_id"] and not lifted["reply_markup"]
    await user.expect("answer with the buttons")
    again = await user.expect("state")
    await user.press(again, "Guyana")
    await user.expect("institution")


async def test_stale_and_forged_buttons(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 705).join()
    await user.say("/start")
    language = await user.expect("choose your language")
    await user.press(language, "English")
    await user.expect("full name")
    await user.drain()
    # the language question was closed: its message has no buttons any more
    await client.press_forged(705, language["message_id"], button_data(language, "Español"))
    assert await user.toast() == "This button is no longer active."
    for forged in (
        "r:name:x",
        "r:country:ZZ",
        "zz",
        "r:lang:es:extra",
        "p:menu:password",
        "f:confirm:yes",
        "r:confirm:ok",
        "\u202e" * 20,
    ):
        await client.press_forged(705, language["message_id"], forged)
        assert await user.toast() in (
            "This button is no longer active.",
            "That button is not valid.",
        )
    conv = await bot.services.conversations.get(705)
    assert conv is not None and conv.step == "name" and conv.data["language"] == "en"
    assert await bot.services.participants.get(705) is None


async def test_forged_value_on_the_current_step(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 706).join()
    await start_to_name(user)
    await user.say("Ana Smith")
    country = await user.expect("state")
    await user.drain()
    for forged in ("r:country:ZZ", "r:country:", "r:country:other;DROP TABLE"):
        await client.press_forged(706, country["message_id"], forged)
        assert await user.toast() == "That button is not valid."
    conv = await bot.services.conversations.get(706)
    assert conv is not None and "country" not in conv.data


async def test_double_tap_confirm_registers_once(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 707).join()
    summary = await register(user, email=None, stop_at="summary")
    await user.drain()
    data = button_data(summary, "Confirm")
    await asyncio.gather(
        client.press(707, summary["message_id"], data),
        client.press_forged(707, summary["message_id"], data),
    )
    await user.expect("You are registered")
    assert await bot.services.participants.count() == 1
    toasts = [await user.toast(), await user.toast()]
    assert "This button is no longer active." in toasts


async def test_two_participants_at_the_same_moment(bot: RunningBot, client: SandboxClient) -> None:
    first = await SimUser(client, 708).join()
    second = await SimUser(client, 709, language_code="es").join()
    await asyncio.gather(
        register(first, name="First Person"),
        register(
            second,
            language="Español",
            name="Segunda Persona",
            country="Guyana",
            institution="Policía",
            sex="Mujer",
            position="Jefa",
            email="s@x.org",
        ),
    )
    one, two = (await bot.services.participants.get(708), await bot.services.participants.get(709))
    assert one is not None and two is not None
    assert (one.full_name, two.full_name) == ("First Person", "Segunda Persona")


async def test_unknown_text_and_commands(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 710).join()
    await user.say("hello?")
    await user.expect("/help")
    await user.say("/nonsense")
    await user.expect("did not understand")
    await user.say("/cancel")
    await user.expect("nothing to cancel")
    await user.say("/help")
    await user.expect("/forget")
    await user.say("/mydata")
    await user.expect("no personal data")
